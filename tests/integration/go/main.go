// Command sluice-goclients drives Sluice with Go's Kafka clients for the integration tests:
// franz-go (github.com/twmb/franz-go, with pkg/kadm) and sarama (github.com/IBM/sarama).
//
//	sluice-goclients franz produce --bootstrap=H:P --topic=T --count=N [--first=0] [--partition=P]
//	                               [--idempotent=false] [--acks=all|leader] [--offsets]
//	sluice-goclients franz consume --bootstrap=H:P --topic=T --count=N [--first=0] [--range=N]
//	                               [--group=G] [--isolation=read_uncommitted|read_committed]
//	                               [--drain-ms=1000] [--values]
//	sluice-goclients franz txn     --bootstrap=H:P --output=T --transactional-id=ID --count=N
//	                               [--batch=10] [--abort-every=2] [--first=0] [--input=T --group=G]
//	sluice-goclients franz admin   --bootstrap=H:P [--create-topic=T --partitions=1]
//	                               [--describe-cluster] [--describe-topic=T]
//	sluice-goclients sarama produce|consume   (the same flags as franz's)
//
// Every subcommand also takes --timeout-ms (default 120000), the security flags of security.go
// (--tls-ca, --sasl-mechanism, ...), and prints exactly one JSON object on
// stdout, with the same field names as the Java programs in ../java/src (client logs, if any, go to
// stderr). Records follow the Java Produce pattern: key k-<i>, value v-<i>. Exit codes: 0 done,
// 2 a client error (named in "error" or "errors"), 3 the deadline passed, 64 bad usage.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	if len(os.Args) < 3 {
		usage()
	}
	client, sub, args := os.Args[1], os.Args[2], os.Args[3:]
	var run func([]string) int
	switch client + " " + sub {
	case "franz produce":
		run = franzProduce
	case "franz consume":
		run = franzConsume
	case "franz txn":
		run = franzTxn
	case "franz admin":
		run = franzAdmin
	case "sarama produce":
		run = saramaProduce
	case "sarama consume":
		run = saramaConsume
	default:
		usage()
	}
	os.Exit(run(args))
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: sluice-goclients franz produce|consume|txn|admin [--flag=value ...]")
	fmt.Fprintln(os.Stderr, "       sluice-goclients sarama produce|consume [--flag=value ...]")
	os.Exit(64)
}

// flags makes a FlagSet that exits 64 on a bad flag and knows the --bootstrap and --timeout-ms
// every subcommand has.
func flags(name string) (*flag.FlagSet, *string, *int64) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	bootstrap := fs.String("bootstrap", "", "host:port of a broker")
	timeout := fs.Int64("timeout-ms", 120000, "the run's deadline")
	addSecurityFlags(fs)
	return fs, bootstrap, timeout
}

func parse(fs *flag.FlagSet, args []string, bootstrap *string) {
	if err := fs.Parse(args); err != nil {
		os.Exit(64)
	}
	if *bootstrap == "" {
		fmt.Fprintf(os.Stderr, "%s: --bootstrap=host:port is required\n", fs.Name())
		os.Exit(64)
	}
}

var (
	printMu sync.Mutex
	printed bool
)

// emit prints the result once (the deadline and the normal end may race).
func emit(r map[string]any) {
	printMu.Lock()
	defer printMu.Unlock()
	if printed {
		return
	}
	printed = true
	b, err := json.Marshal(r)
	if err != nil {
		b, _ = json.Marshal(map[string]any{"error": "marshal: " + err.Error()})
	}
	os.Stdout.Write(append(b, '\n'))
}

// resultMu guards a program's result map between its own goroutine and deadline's: a program
// that writes its result after starting deadline holds it while doing so.
var resultMu sync.Mutex

// deadline prints partial() with "timed_out": true and exits 3 once the run has taken too long.
func deadline(ms int64, partial func() map[string]any) {
	time.AfterFunc(time.Duration(ms)*time.Millisecond, func() {
		resultMu.Lock() // never released: the process exits
		r := partial()
		r["timed_out"] = true
		r["timeout_ms"] = ms
		emit(r)
		os.Exit(3)
	})
}

func result(client, program string) map[string]any {
	return map[string]any{"client": client, "program": program}
}

// produceState tracks what a producer sent and what the broker acknowledged.
type produceState struct {
	mu         sync.Mutex
	sent       int64
	acked      int64
	errorCount int64
	errors     []string
	partitions map[int32][3]int64 // count, first offset, last offset
	offsets    [][3]int64
	keep       bool
}

func newProduceState(keepOffsets bool) *produceState {
	return &produceState{partitions: map[int32][3]int64{}, keep: keepOffsets}
}

func (s *produceState) addSent() {
	s.mu.Lock()
	s.sent++
	s.mu.Unlock()
}

func (s *produceState) done(index int64, partition int32, offset int64, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.fail(err)
		return
	}
	s.acked++
	p, ok := s.partitions[partition]
	if !ok {
		p = [3]int64{0, offset, offset}
	}
	p[0]++
	p[1] = min(p[1], offset)
	p[2] = max(p[2], offset)
	s.partitions[partition] = p
	if s.keep {
		s.offsets = append(s.offsets, [3]int64{index, int64(partition), offset})
	}
}

func (s *produceState) failed(err error) {
	s.mu.Lock()
	s.fail(err)
	s.mu.Unlock()
}

func (s *produceState) fail(err error) {
	s.errorCount++
	msg := err.Error()
	for _, e := range s.errors {
		if e == msg {
			return
		}
	}
	if len(s.errors) < 10 {
		s.errors = append(s.errors, msg)
	}
}

func (s *produceState) report(r map[string]any, started time.Time) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	r["sent"] = s.sent
	r["acked"] = s.acked
	r["error_count"] = s.errorCount
	r["errors"] = append([]string{}, s.errors...)
	parts := map[string]any{}
	for p, v := range s.partitions {
		parts[strconv.Itoa(int(p))] = map[string]int64{"count": v[0], "first_offset": v[1], "last_offset": v[2]}
	}
	r["partitions"] = parts
	if s.keep {
		r["offsets"] = append([][3]int64{}, s.offsets...)
	}
	r["elapsed_ms"] = time.Since(started).Milliseconds()
	return r
}

func (s *produceState) ok(count int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.errorCount == 0 && s.acked == count
}

// tally checks consumed records against the produce pattern, like the Java Consume.
type tally struct {
	mu            sync.Mutex
	first, rng    int64
	count         int64
	duplicates    int64
	keyMismatches int64
	seen          map[int64]bool
	unexpected    []string
	unexpectedN   int64
	partitions    map[int32]int64
	byOffset      map[int32]map[int64]string
	values        []string
	keepValues    bool
}

func newTally(first, rng int64, keepValues bool) *tally {
	return &tally{first: first, rng: rng, seen: map[int64]bool{}, partitions: map[int32]int64{},
		byOffset: map[int32]map[int64]string{}, keepValues: keepValues}
}

func (t *tally) total() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.count
}

func (t *tally) add(partition int32, offset int64, key, value []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.count++
	t.partitions[partition]++
	v := string(value)
	if t.byOffset[partition] == nil {
		t.byOffset[partition] = map[int64]string{}
	}
	t.byOffset[partition][offset] = v
	if t.keepValues {
		t.values = append(t.values, v)
	}
	idx := int64(-1)
	if strings.HasPrefix(v, "v-") {
		if n, err := strconv.ParseInt(v[2:], 10, 64); err == nil {
			idx = n
		}
	}
	if idx < t.first || idx >= t.first+t.rng {
		t.unexpectedN++
		if len(t.unexpected) < 10 {
			t.unexpected = append(t.unexpected, v)
		}
		return
	}
	if t.seen[idx] {
		t.duplicates++
	}
	t.seen[idx] = true
	if key != nil && string(key) != "k-"+strconv.FormatInt(idx, 10) {
		t.keyMismatches++
	}
}

func (t *tally) report(r map[string]any) map[string]any {
	t.mu.Lock()
	defer t.mu.Unlock()
	r["count"] = t.count
	r["unique"] = int64(len(t.seen))
	r["duplicates"] = t.duplicates
	r["missing_count"] = t.rng - int64(len(t.seen))
	missing := []int64{}
	for i := t.first; i < t.first+t.rng && len(missing) < 20; i++ {
		if !t.seen[i] {
			missing = append(missing, i)
		}
	}
	r["missing"] = missing
	r["unexpected_count"] = t.unexpectedN
	r["unexpected"] = append([]string{}, t.unexpected...)
	r["key_mismatches"] = t.keyMismatches
	parts := map[string]int64{}
	for p, c := range t.partitions {
		parts[strconv.Itoa(int(p))] = c
	}
	r["partitions"] = parts
	// sha256 over partition:offset:value of the distinct records in offset order, as Java's.
	h := sha256.New()
	ps := make([]int, 0, len(t.byOffset))
	for p := range t.byOffset {
		ps = append(ps, int(p))
	}
	sort.Ints(ps)
	for _, p := range ps {
		m := t.byOffset[int32(p)]
		os := make([]int64, 0, len(m))
		for o := range m {
			os = append(os, o)
		}
		sort.Slice(os, func(i, j int) bool { return os[i] < os[j] })
		for _, o := range os {
			fmt.Fprintf(h, "%d:%d:%s\n", p, o, m[o])
		}
	}
	r["digest"] = hex.EncodeToString(h.Sum(nil))
	if t.keepValues {
		r["values"] = append([]string{}, t.values...)
	}
	return r
}
