// pause is the sandbox (infrastructure) container of the local real node: it holds a pod's namespaces, reaps the
// zombies of processes that join its PID namespace, and exits on SIGINT or SIGTERM. It is the project's own stand-in
// for registry.k8s.io/pause, which cannot be pulled here; standard library only, built statically by build-node.sh.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if os.Getpid() != 1 {
		os.Stderr.WriteString("warning: pause should be the first process\n")
	}
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range signals {
		if s != syscall.SIGCHLD {
			os.Stderr.WriteString("shutting down, got signal\n")
			os.Exit(0)
		}
		for {
			var status syscall.WaitStatus
			if pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil); pid <= 0 || err != nil {
				break
			}
		}
	}
}
