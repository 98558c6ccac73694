package main

import (
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
)

// Report is what a run measured; -json prints it as is.
type Report struct {
	Model       string  `json:"model"`             // "open" or "closed"
	Arrival     string  `json:"arrival,omitempty"` // open: poisson or fixed
	Rate        float64 `json:"rate,omitempty"`    // open: arrivals per second asked for
	Connections int     `json:"connections"`
	Mix         string  `json:"mix"`
	Duration    float64 `json:"duration_s"`
	Elapsed     float64 `json:"elapsed_s"`
	MaxRequests int     `json:"max_requests"`
	Presigned   bool    `json:"presigned"`
	// PresignRate is -presign's signing rate on every core just before the
	// load (with sign.Backend: OpenSSL in a -tags openssl build).
	PresignRate float64 `json:"presign_signs_per_s,omitempty"`
	Signer      string  `json:"client_signer"`
	ClientProcs int     `json:"client_gomaxprocs"`

	Requests   Counts            `json:"requests"`
	Throughput float64           `json:"throughput_rps"` // answered requests per second
	Latency    Latency           `json:"latency_ms"`     // of every arrival: answered, failed and late
	Errors     map[string]int    `json:"errors"`         // by "code sub_code", or HTTP status / transport failure
	Methods    map[string]Method `json:"methods"`
	Signatures Signatures        `json:"signatures"`
	// SigningWaited counts requests that waited for the background
	// signer: more than 1% means the client's signing limited the load.
	SigningWaited int64          `json:"signing_waited"`
	Notifications *Notifications `json:"notifications,omitempty"`
}

// Counts are requests by outcome.
type Counts struct {
	Sent     int `json:"sent"`
	Answered int `json:"answered"` // an Alipay answer, any code
	Success  int `json:"success"`  // code 10000
	Failed   int `json:"failed"`   // transport errors, HTTP errors, answers that are not Alipay's
	Late     int `json:"late"`     // open model: still queued 1 s after the end, not sent (in the latency with its wait)
	Skipped  int `json:"skipped"`  // no trade of this run to act on yet
}

// Latency in milliseconds, from the scheduled arrival (open model) or the
// send (closed loop) to the whole answer read, or to the failure; a late
// arrival's is its wait until it was dropped (a lower bound). Count is the
// number of samples: in a run's latency, every request sent and every late
// arrival.
type Latency struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	Max   float64 `json:"max"`
}

// Method is one mix entry's part.
type Method struct {
	Method     string         `json:"method"`
	Amount     string         `json:"amount,omitempty"`
	Requests   Counts         `json:"requests"`
	Throughput float64        `json:"throughput_rps"`
	Latency    Latency        `json:"latency_ms"`
	Errors     map[string]int `json:"errors"`
}

// Signatures of the answers.
type Signatures struct {
	Checked bool `json:"checked"`
	Signed  int  `json:"signed"`
	Bad     int  `json:"bad"`
}

// Notifications the local notify_url received.
type Notifications struct {
	URL           string         `json:"url"`
	AckRate       float64        `json:"ack_rate"`
	PaidTrades    int            `json:"paid_trades"` // pays answered 10000: each should be notified
	Notified      int            `json:"notified"`    // of those, with a first attempt before the wait ended
	Attempts      int            `json:"attempts"`    // every POST, retries and other trades' included
	Acknowledged  int            `json:"acknowledged"`
	Refused       int            `json:"refused"` // answered fail
	Held          int            `json:"held"`    // not answered (-nack timeout)
	BadSignature  int            `json:"bad_signature"`
	ByTradeStatus map[string]int `json:"by_trade_status"`
	Delay         Latency        `json:"delay_ms"` // a pay's answer to its first attempt's arrival
}

func latency(sorted []time.Duration) Latency {
	pct := func(p float64) float64 {
		if len(sorted) == 0 {
			return 0
		}
		i := int(p*float64(len(sorted))+0.5) - 1
		i = max(0, min(i, len(sorted)-1))
		return float64(sorted[i].Microseconds()) / 1000
	}
	return Latency{Count: len(sorted), P50: pct(0.5), P90: pct(0.9), P99: pct(0.99), P999: pct(0.999), Max: pct(1)}
}

func (r result) report(cfg config, mix []entry, src *source) *Report {
	rep := &Report{Model: "closed", Connections: cfg.conc, Duration: cfg.dur.Seconds(), Elapsed: r.elapsed.Seconds(),
		MaxRequests: cfg.max, Presigned: cfg.presign, ClientProcs: runtime.GOMAXPROCS(0),
		Errors: map[string]int{}, Methods: map[string]Method{}, Signatures: Signatures{Checked: cfg.verify},
		SigningWaited: src.waited.Load(), PresignRate: r.presignRate, Signer: sign.Backend()}
	if cfg.rate > 0 {
		rep.Model, rep.Arrival, rep.Rate = "open", cfg.arrival, cfg.rate
	}
	var labels []string
	var all []time.Duration
	for _, e := range mix {
		labels = append(labels, fmt.Sprintf("%s=%d", e.label, e.weight))
		s := r.stats[e.label]
		m := Method{Method: e.method, Amount: e.amount, Errors: map[string]int{}, Latency: latency(s.lat)}
		m.Requests.Answered = s.answered
		m.Requests.Late = s.late
		m.Requests.Success = s.ok
		for k, v := range s.errors {
			m.Errors[k] = v
			rep.Errors[k] += v
			if !answeredError(k) {
				m.Requests.Failed += v
			}
		}
		m.Requests.Sent = m.Requests.Answered + m.Requests.Failed
		m.Throughput = float64(m.Requests.Answered) / r.elapsed.Seconds()
		rep.Methods[e.label] = m
		rep.Requests.Sent += m.Requests.Sent
		rep.Requests.Answered += m.Requests.Answered
		rep.Requests.Success += m.Requests.Success
		rep.Requests.Failed += m.Requests.Failed
		rep.Requests.Late += m.Requests.Late
		rep.Signatures.Signed += s.signed
		rep.Signatures.Bad += s.badSign
		all = append(all, s.lat...)
	}
	rep.Mix = strings.Join(labels, ",")
	rep.Requests.Skipped = int(src.skipped.Load())
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	rep.Latency = latency(all)
	rep.Throughput = float64(rep.Requests.Answered) / r.elapsed.Seconds()
	return rep
}

// answeredError tells an error key of an Alipay answer ("40004 ACQ.…")
// from a failed exchange ("HTTP 502", "transport: …").
func answeredError(k string) bool {
	return k != "" && k[0] >= '0' && k[0] <= '9'
}

func (r *receiver) report(paid []paidTrade, deadline time.Time, cfg config) *Notifications {
	n := &Notifications{URL: r.url, AckRate: cfg.ackRate, PaidTrades: len(paid)}
	outs := make([]string, len(paid))
	for i, p := range paid {
		outs[i] = p.out
	}
	n.Notified = r.wait(outs, deadline)
	r.mu.Lock()
	defer r.mu.Unlock()
	var delays []time.Duration
	for _, p := range paid {
		if at, ok := r.first[p.out]; ok {
			delays = append(delays, max(0, at.Sub(p.at))) // the mock may notify before its answer is read
		}
	}
	sort.Slice(delays, func(i, j int) bool { return delays[i] < delays[j] })
	n.Delay = latency(delays)
	n.Attempts, n.Acknowledged, n.Refused, n.Held, n.BadSignature = r.attempts, r.acked, r.refused, r.held, r.badSign
	n.ByTradeStatus = map[string]int{}
	for k, v := range r.byStatus {
		n.ByTradeStatus[k] = v
	}
	return n
}

func ms(v float64) string { return fmt.Sprintf("%.2fms", v) }

func (l Latency) String() string {
	return fmt.Sprintf("p50 %s  p90 %s  p99 %s  p999 %s  max %s", ms(l.P50), ms(l.P90), ms(l.P99), ms(l.P999), ms(l.Max))
}

// text prints the report for a person.
func (rep *Report) text(w io.Writer) {
	mode := "closed loop (capacity)"
	if rep.Model == "open" {
		mode = fmt.Sprintf("open model, %s arrivals at %.0f req/s", rep.Arrival, rep.Rate)
	}
	fmt.Fprintf(w, "alipay-mock load: %s, %d connections, %gs (max %d requests), mix %s, client GOMAXPROCS %d\n",
		mode, rep.Connections, rep.Duration, rep.MaxRequests, rep.Mix, rep.ClientProcs)
	q := rep.Requests
	fmt.Fprintf(w, "  requests:    %d sent, %d answered (%d ok), %d failed", q.Sent, q.Answered, q.Success, q.Failed)
	if q.Late > 0 {
		fmt.Fprintf(w, ", %d late (still queued 1 s after the end: the server is behind the schedule)", q.Late)
	}
	if q.Skipped > 0 {
		fmt.Fprintf(w, ", %d skipped (no trade of this run to act on yet)", q.Skipped)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  elapsed:     %.3fs\n", rep.Elapsed)
	fmt.Fprintf(w, "  throughput:  %.0f req/s answered\n", rep.Throughput)
	fmt.Fprintf(w, "  latency:     %s\n", rep.Latency)
	if q.Failed > 0 || q.Late > 0 {
		fmt.Fprintf(w, "               of every arrival: %d failed at their time to fail, %d late at their wait until dropped (a lower bound)\n", q.Failed, q.Late)
	}
	labels := make([]string, 0, len(rep.Methods))
	width := 0
	for l := range rep.Methods {
		labels = append(labels, l)
		width = max(width, len(l))
	}
	sort.Strings(labels)
	fmt.Fprintf(w, "  by kind:\n")
	for _, l := range labels {
		m := rep.Methods[l]
		fmt.Fprintf(w, "    %-*s %6d sent %6.0f req/s  %s  errors %d", width, l, m.Requests.Sent, m.Throughput,
			m.Latency, m.Requests.Sent-m.Requests.Success)
		if m.Requests.Late > 0 {
			fmt.Fprintf(w, "  late %d", m.Requests.Late)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  errors by sub_code:")
	if len(rep.Errors) == 0 {
		fmt.Fprintf(w, " none\n")
	} else {
		fmt.Fprintln(w)
		keys := make([]string, 0, len(rep.Errors))
		for k := range rep.Errors {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "    %-44s %d\n", k, rep.Errors[k])
		}
	}
	if rep.Signatures.Checked {
		fmt.Fprintf(w, "  signatures:  %d answers signed, %d did not verify\n", rep.Signatures.Signed, rep.Signatures.Bad)
	}
	if rep.Presigned {
		fmt.Fprintf(w, "  signing:     every request signed before the clock started (%.0f signs/s on %d cores, %s)\n", rep.PresignRate, runtime.NumCPU(), rep.Signer)
	} else {
		fmt.Fprintf(w, "  signing:     in the background on %d cores during the load (client and mock share the CPU on one machine); %d requests waited for a signature\n",
			runtime.NumCPU(), rep.SigningWaited)
		if rep.SigningWaited > int64(q.Sent)/100 {
			fmt.Fprintf(w, "               the client's signing limited the load: -presign measures the mock alone\n")
		}
	}
	if n := rep.Notifications; n != nil {
		fmt.Fprintf(w, "  notifications: %d of %d paid trades notified; %d attempts: %d acknowledged (success), %d refused (fail), %d held (no answer), %d bad signatures\n",
			n.Notified, n.PaidTrades, n.Attempts, n.Acknowledged, n.Refused, n.Held, n.BadSignature)
		fmt.Fprintf(w, "               ack rate %.2f; pay answer to first attempt: %s\n", n.AckRate, n.Delay)
	}
}
