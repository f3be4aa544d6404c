package main

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A server that sends the status line and half of the declared body, then closes: the first attempt is no
// complete answer, so it is retried, and the retry's complete echo succeeds.
func TestAnAnswerCutShortIsRetriedAndAWholeAnswerIsFinal(t *testing.T) {
	body := []byte(`{"a":"bcdefgh"}`)
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			conn, rw, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			rw.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"a\":")
			rw.Flush()
			conn.(*net.TCPConn).SetLinger(0) // a reset, as a killed process leaves
			conn.Close()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer srv.Close()
	cfg := config{url: srv.URL, body: body, contentType: "application/json", retries: 2, backoff: time.Millisecond,
		timeout: 5 * time.Second}
	r := send(client(cfg, 1), cfg, time.Now())
	if r.status != 200 || !r.match || !r.retried {
		t.Fatalf("status %d match %v retried %v err %q", r.status, r.match, r.retried, r.err)
	}
	if calls.Load() != 2 {
		t.Fatalf("%d calls", calls.Load())
	}
}

// Without retries left, an answer cut short is reported as such, not as a wrong echo.
func TestAnAnswerCutShortIsAnErrorNotAMismatch(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil || line == "\r\n" {
						break
					}
				}
				c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"a\""))
				c.Close()
			}(c)
		}
	}()
	cfg := config{url: "http://" + ln.Addr().String() + "/echo", body: []byte(`{}`), contentType: "application/json",
		retries: 0, timeout: 5 * time.Second}
	r := send(client(cfg, 1), cfg, time.Now())
	if r.status != 0 || !strings.HasPrefix(r.err, "answer cut short: ") {
		t.Fatalf("status %d err %q", r.status, r.err)
	}
}
