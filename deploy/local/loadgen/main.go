// Command loadgen is the e2e suite's HTTP client: it runs inside a client pod on the real node and sends
// POST /echo requests to a Service, either at a fixed rate (open loop) or from a fixed number of concurrent
// connections (closed loop), checks each answer, and prints one JSON summary on stdout when it stops.
//
//	loadgen -url http://echo.echo-e2e/echo -rate 250 -duration 120s -stop-file /tmp/stop
//	loadgen -url http://echo.echo-e2e/echo -concurrency 500 -requests 500 -body-size 1048576
//
// A request succeeds when the answer has an allowed status (-allow, default 200) and, for a 200, a body equal to the
// request's byte for byte. A request that gets no answer at all (connection refused or reset, closed before the
// answer, timeout) is retried up to -retries times on a new connection after a backoff that doubles from -backoff
// (100 ms, 200 ms, 400 ms, 800 ms by default), as a client of a replicated service does; /echo has no side effect,
// so a retry is always safe. An answer cut short (its status line arrived, then the connection ended before the
// whole body) is no answer either: the server died while it answered. Retried requests are counted on their own.
// Any complete HTTP answer is final. The summary says how many requests failed and why; the exit status is 0 when
// none failed.
//
// It sends only to the URL it is given (a Service inside the local cluster), for a bounded time or count.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

type summary struct {
	Mode          string         `json:"mode"`
	Sent          int64          `json:"sent"`
	Succeeded     int64          `json:"succeeded"`
	Failed        int64          `json:"failed"`
	Retried       int64          `json:"retried"`
	Statuses      map[string]int `json:"statuses"`
	Errors        map[string]int `json:"errors,omitempty"`
	Mismatched    int64          `json:"mismatched"`
	Seconds       float64        `json:"seconds"`
	RatePerSecond float64        `json:"ratePerSecond"`
	LowestSecond  int64          `json:"lowestSecond"`
	P50Millis     float64        `json:"p50Millis"`
	P99Millis     float64        `json:"p99Millis"`
	MaxMillis     float64        `json:"maxMillis"`
	Late          int64          `json:"late"`
}

type result struct {
	status  int
	err     string
	retried bool
	match   bool
	elapsed time.Duration
	second  int64
}

type config struct {
	url         string
	body        []byte
	allowed     map[int]bool
	retries     int
	backoff     time.Duration
	timeout     time.Duration
	contentType string
}

func main() {
	url := flag.String("url", "", "the URL to POST to (required)")
	rate := flag.Int("rate", 0, "requests per second (open loop); 0 means closed loop with -concurrency")
	duration := flag.Duration("duration", 30*time.Second, "how long an open-loop run lasts at most")
	stopFile := flag.String("stop-file", "", "an open-loop run stops early once this file exists")
	concurrency := flag.Int("concurrency", 1, "connections of a closed-loop run (each sends one request at a time)")
	requests := flag.Int("requests", 0, "requests of a closed-loop run in total")
	bodySize := flag.Int("body-size", 64, "size of the JSON body of each request in bytes (at least 16)")
	allow := flag.String("allow", "200", "comma-separated statuses that count as success")
	retries := flag.Int("retries", 4, "retries of a request that got no answer (connection refused or reset)")
	backoff := flag.Duration("backoff", 100*time.Millisecond, "pause before the first retry; doubles for each next one")
	timeout := flag.Duration("timeout", 10*time.Second, "time limit of one attempt")
	flag.Parse()
	if *url == "" || *bodySize < 16 || (*rate <= 0 && (*requests <= 0 || *concurrency <= 0)) {
		flag.Usage()
		os.Exit(2)
	}
	allowed := map[int]bool{}
	for _, s := range strings.Split(*allow, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			fmt.Fprintf(os.Stderr, "-allow: %q is not a status\n", s)
			os.Exit(2)
		}
		allowed[n] = true
	}
	cfg := config{url: *url, body: jsonBody(*bodySize), allowed: allowed, retries: *retries, backoff: *backoff,
		timeout: *timeout, contentType: "application/json"}

	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()
	var s summary
	if *rate > 0 {
		s = openLoop(ctx, cfg, *rate, *duration, *stopFile)
	} else {
		s = closedLoop(ctx, cfg, *concurrency, *requests)
	}
	out, _ := json.Marshal(s)
	fmt.Println(string(out))
	if s.Failed > 0 {
		os.Exit(1)
	}
}

// jsonBody is a JSON object of exactly n bytes: {"pad":"xxx…"}.
func jsonBody(n int) []byte {
	b := make([]byte, 0, n)
	b = append(b, `{"pad":"`...)
	for len(b) < n-2 {
		b = append(b, 'x')
	}
	return append(b, `"}`...)
}

func client(cfg config, conns int) *http.Client {
	return &http.Client{
		Timeout: cfg.timeout,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 3 * time.Second}).DialContext,
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			IdleConnTimeout:     30 * time.Second,
		},
	}
}

func attempt(c *http.Client, cfg config) (int, string, bool) {
	req, err := http.NewRequest(http.MethodPost, cfg.url, bytes.NewReader(cfg.body))
	if err != nil {
		return 0, "request: " + err.Error(), false
	}
	req.Header.Set("Content-Type", cfg.contentType)
	resp, err := c.Do(req)
	if err != nil {
		return 0, classify(err), false
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		// The status line came, the whole body did not (the server died while answering): no complete answer.
		return 0, "answer cut short: " + classify(err), false
	}
	return resp.StatusCode, "", resp.StatusCode != 200 || bytes.Equal(got, cfg.body)
}

// send is one request with its retries; a retry only follows an attempt that got no status at all.
func send(c *http.Client, cfg config, start time.Time) result {
	begin := time.Now()
	r := result{second: int64(begin.Sub(start) / time.Second)}
	for try := 0; ; try++ {
		status, errText, match := attempt(c, cfg)
		r.status, r.err, r.match = status, errText, match
		if status != 0 || try >= cfg.retries {
			break
		}
		// The retry dials afresh: the connection that failed may lead to a pod that is gone.
		r.retried = true
		c.CloseIdleConnections()
		time.Sleep(cfg.backoff << try)
	}
	r.elapsed = time.Since(begin)
	return r
}

func classify(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed before the answer"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return msg
}

// openLoop sends rate requests per second, each on its own goroutine at its scheduled time, so a slow answer
// does not slow the offered load (a request that starts more than 100 ms after its time is counted as late).
func openLoop(ctx context.Context, cfg config, rate int, duration time.Duration, stopFile string) summary {
	c := client(cfg, 256)
	results := make(chan result, 4096)
	var wg sync.WaitGroup
	var late int64
	start := time.Now()
	interval := time.Second / time.Duration(rate)
	deadline := start.Add(duration)
	collected := collect(results, cfg.allowed)
	checkStop := time.NewTicker(200 * time.Millisecond)
	defer checkStop.Stop()
	stopped := false
	for i := 0; !stopped; i++ {
		at := start.Add(time.Duration(i) * interval)
		if !at.Before(deadline) {
			break
		}
		if wait := time.Until(at); wait > 0 {
			select {
			case <-ctx.Done():
				stopped = true
				continue
			case <-checkStop.C:
				if stopFile != "" {
					if _, err := os.Stat(stopFile); err == nil {
						stopped = true
						continue
					}
				}
				if w := time.Until(at); w > 0 {
					time.Sleep(w)
				}
			case <-time.After(wait):
			}
		} else if -wait > 100*time.Millisecond {
			late++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- send(c, cfg, start)
		}()
	}
	wg.Wait()
	close(results)
	s := <-collected
	s.Mode = fmt.Sprintf("open loop, %d/s", rate)
	s.Late = late
	s.Seconds = time.Since(start).Seconds()
	if s.Seconds > 0 {
		s.RatePerSecond = float64(s.Sent) / s.Seconds
	}
	return s
}

// closedLoop keeps concurrency requests in flight until requests have been sent.
func closedLoop(ctx context.Context, cfg config, concurrency, requests int) summary {
	c := client(cfg, concurrency)
	results := make(chan result, 4096)
	work := make(chan struct{})
	var wg sync.WaitGroup
	start := time.Now()
	collected := collect(results, cfg.allowed)
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range work {
				results <- send(c, cfg, start)
			}
		}()
	}
	for i := 0; i < requests && ctx.Err() == nil; i++ {
		work <- struct{}{}
	}
	close(work)
	wg.Wait()
	close(results)
	s := <-collected
	s.Mode = fmt.Sprintf("closed loop, %d connections", concurrency)
	s.Seconds = time.Since(start).Seconds()
	if s.Seconds > 0 {
		s.RatePerSecond = float64(s.Sent) / s.Seconds
	}
	return s
}

func collect(results <-chan result, allowed map[int]bool) <-chan summary {
	out := make(chan summary, 1)
	go func() {
		s := summary{Statuses: map[string]int{}, Errors: map[string]int{}}
		var latencies []time.Duration
		perSecond := map[int64]int64{}
		for r := range results {
			s.Sent++
			perSecond[r.second]++
			latencies = append(latencies, r.elapsed)
			if r.retried {
				s.Retried++
			}
			if r.status != 0 {
				s.Statuses[strconv.Itoa(r.status)]++
			} else {
				s.Errors[r.err]++
			}
			if r.status == 200 && !r.match {
				s.Mismatched++
			}
			if r.status != 0 && r.match && allowed[r.status] {
				s.Succeeded++
			} else {
				s.Failed++
			}
		}
		sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
		if n := len(latencies); n > 0 {
			s.P50Millis = millis(latencies[n/2])
			s.P99Millis = millis(latencies[(n*99)/100])
			s.MaxMillis = millis(latencies[n-1])
		}
		// The lowest count of any whole second but the last (which the stop may cut short).
		s.LowestSecond = -1
		var last int64 = -1
		for sec := range perSecond {
			if sec > last {
				last = sec
			}
		}
		for sec := int64(0); sec < last; sec++ {
			if n := perSecond[sec]; s.LowestSecond < 0 || n < s.LowestSecond {
				s.LowestSecond = n
			}
		}
		if len(s.Errors) == 0 {
			s.Errors = nil
		}
		out <- s
	}()
	return out
}

func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
