package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/IBM/sarama"
)

// saramaConfig is sarama's default configuration at --version (the Kafka protocol level it assumes;
// sarama does not negotiate it), quiet unless the run fails.
func saramaConfig(version string, clientID string) (*sarama.Config, error) {
	cfg := sarama.NewConfig()
	cfg.ClientID = clientID
	if version != "" {
		v, err := sarama.ParseKafkaVersion(version)
		if err != nil {
			return nil, err
		}
		cfg.Version = v
	}
	saramaSecurity(cfg)
	return cfg, nil
}

func saramaProduce(args []string) int {
	fs, bootstrap, timeout := flags("sarama produce")
	topic := fs.String("topic", "", "topic to produce to")
	count := fs.Int64("count", 0, "records to send")
	first := fs.Int64("first", 0, "index of the first record")
	partition := fs.Int("partition", -1, "send every record to this partition (-1: by key)")
	idempotent := fs.Bool("idempotent", false, "sarama's default is off")
	acks := fs.String("acks", "all", "all or leader")
	keepOffsets := fs.Bool("offsets", false, "list [i, partition, offset] for every record")
	version := fs.String("version", "", "the Kafka version sarama assumes (default: sarama's, 2.8.0)")
	parse(fs, args, bootstrap)

	st := newProduceState(*keepOffsets)
	started := time.Now()
	r := result("sarama", "produce")
	deadline(*timeout, func() map[string]any { return st.report(r, started) })

	cfg, err := saramaConfig(*version, "sluice-sarama-produce")
	if err != nil {
		fmt.Fprintln(os.Stderr, "sarama produce:", err)
		return 64
	}
	r["protocol_version"] = cfg.Version.String()
	cfg.Producer.Return.Successes = true
	cfg.Producer.Return.Errors = true
	switch *acks {
	case "all":
		cfg.Producer.RequiredAcks = sarama.WaitForAll
	case "leader":
		cfg.Producer.RequiredAcks = sarama.WaitForLocal
	default:
		fmt.Fprintln(os.Stderr, "sarama produce: --acks is all or leader")
		return 64
	}
	if *idempotent {
		cfg.Producer.Idempotent = true
		cfg.Net.MaxOpenRequests = 1
	}
	if *partition >= 0 {
		cfg.Producer.Partitioner = sarama.NewManualPartitioner
	}
	p, err := sarama.NewAsyncProducer([]string{*bootstrap}, cfg)
	if err != nil {
		st.failed(err)
		emit(st.report(r, started))
		return 2
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for m := range p.Successes() {
			st.done(m.Metadata.(int64), m.Partition, m.Offset, nil)
		}
	}()
	go func() {
		defer wg.Done()
		for e := range p.Errors() {
			st.done(e.Msg.Metadata.(int64), e.Msg.Partition, -1, e.Err)
		}
	}()
	for i := *first; i < *first+*count; i++ {
		m := &sarama.ProducerMessage{Topic: *topic, Key: sarama.StringEncoder("k-" + strconv.FormatInt(i, 10)),
			Value: sarama.StringEncoder("v-" + strconv.FormatInt(i, 10)), Metadata: i}
		if *partition >= 0 {
			m.Partition = int32(*partition)
		}
		p.Input() <- m
		st.addSent()
	}
	p.AsyncClose() // flushes, then closes Successes and Errors
	wg.Wait()
	emit(st.report(r, started))
	if st.ok(*count) {
		return 0
	}
	return 2
}

// groupHandler feeds every claimed record into a tally and marks it consumed.
type groupHandler struct{ t *tally }

func (groupHandler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (groupHandler) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (h groupHandler) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	for m := range c.Messages() {
		h.t.add(m.Partition, m.Offset, m.Key, m.Value)
		s.MarkMessage(m, "")
	}
	return nil
}

func saramaConsume(args []string) int {
	fs, bootstrap, timeout := flags("sarama consume")
	topic := fs.String("topic", "", "topic to read")
	count := fs.Int64("count", 0, "records to read before draining")
	first := fs.Int64("first", 0, "index of the first expected record")
	rng := fs.Int64("range", -1, "how many indices are expected (default: --count)")
	group := fs.String("group", "", "consume as a member of this group (default: every partition, no group)")
	iso := fs.String("isolation", "read_uncommitted", "read_uncommitted or read_committed")
	drainMs := fs.Int64("drain-ms", 1000, "keep reading this long after --count, to catch extra copies")
	values := fs.Bool("values", false, "list the values read")
	consumeTimeout := fs.Int64("consume-timeout-ms", 60000, "stop reading after this long")
	version := fs.String("version", "", "the Kafka version sarama assumes (default: sarama's, 2.8.0)")
	parse(fs, args, bootstrap)
	if *rng < 0 {
		*rng = *count
	}

	t := newTally(*first, *rng, *values)
	r := result("sarama", "consume")
	deadline(*timeout, func() map[string]any { return t.report(r) })

	cfg, err := saramaConfig(*version, "sluice-sarama-consume")
	if err != nil {
		fmt.Fprintln(os.Stderr, "sarama consume:", err)
		return 64
	}
	r["protocol_version"] = cfg.Version.String()
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.MaxWaitTime = 250 * time.Millisecond
	switch *iso {
	case "read_uncommitted":
		cfg.Consumer.IsolationLevel = sarama.ReadUncommitted
	case "read_committed":
		cfg.Consumer.IsolationLevel = sarama.ReadCommitted
	default:
		fmt.Fprintln(os.Stderr, "sarama consume: --isolation is read_uncommitted or read_committed")
		return 64
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(*consumeTimeout)*time.Millisecond)
	defer cancel()
	done := make(chan struct{})
	var closeFn func() error
	var runErr error
	var errMu sync.Mutex
	setErr := func(err error) {
		errMu.Lock()
		if runErr == nil {
			runErr = err
		}
		errMu.Unlock()
	}

	if *group != "" {
		g, err := sarama.NewConsumerGroup([]string{*bootstrap}, *group, cfg)
		if err != nil {
			r["error"] = err.Error()
			emit(t.report(r))
			return 2
		}
		closeFn = g.Close
		go func() {
			defer close(done)
			for ctx.Err() == nil {
				if err := g.Consume(ctx, []string{*topic}, groupHandler{t}); err != nil && ctx.Err() == nil {
					setErr(err)
					return
				}
			}
		}()
	} else {
		c, err := sarama.NewConsumer([]string{*bootstrap}, cfg)
		if err != nil {
			r["error"] = err.Error()
			emit(t.report(r))
			return 2
		}
		closeFn = c.Close
		parts, err := c.Partitions(*topic)
		if err != nil {
			r["error"] = err.Error()
			emit(t.report(r))
			return 2
		}
		var wg sync.WaitGroup
		for _, p := range parts {
			pc, err := c.ConsumePartition(*topic, p, sarama.OffsetOldest)
			if err != nil {
				r["error"] = err.Error()
				emit(t.report(r))
				return 2
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case m := <-pc.Messages():
						t.add(m.Partition, m.Offset, m.Key, m.Value)
					case e := <-pc.Errors():
						if e != nil {
							setErr(e)
						}
					case <-ctx.Done():
						pc.AsyncClose()
						return
					}
				}
			}()
		}
		go func() { wg.Wait(); close(done) }()
	}

	var drainUntil time.Time
	for ctx.Err() == nil {
		if drainUntil.IsZero() && t.total() >= *count {
			drainUntil = time.Now().Add(time.Duration(*drainMs) * time.Millisecond)
		}
		if !drainUntil.IsZero() && time.Now().After(drainUntil) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
	_ = closeFn()
	r["timed_out"] = t.total() < *count
	errMu.Lock()
	if runErr != nil {
		r["error"] = runErr.Error()
	}
	errMu.Unlock()
	emit(t.report(r))
	return 0
}
