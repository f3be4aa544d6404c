// Command etcd is the upstream etcd server pinned in go.mod. etcd's own main module carries replace
// directives, so `go install go.etcd.io/etcd/v3@...` is refused; importing etcdmain works.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
