package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func franzProduce(args []string) int {
	fs, bootstrap, timeout := flags("franz produce")
	topic := fs.String("topic", "", "topic to produce to")
	count := fs.Int64("count", 0, "records to send")
	first := fs.Int64("first", 0, "index of the first record")
	partition := fs.Int("partition", -1, "send every record to this partition (-1: by key)")
	idempotent := fs.Bool("idempotent", true, "franz-go's default; false for a broker without InitProducerId")
	acks := fs.String("acks", "all", "all or leader (leader needs --idempotent=false)")
	keepOffsets := fs.Bool("offsets", false, "list [i, partition, offset] for every record")
	parse(fs, args, bootstrap)

	st := newProduceState(*keepOffsets)
	started := time.Now()
	r := result("franz-go", "produce")
	deadline(*timeout, func() map[string]any { return st.report(r, started) })

	opts := []kgo.Opt{kgo.SeedBrokers(*bootstrap), kgo.DefaultProduceTopic(*topic),
		kgo.ClientID("sluice-franz-produce"), kgo.AllowAutoTopicCreation()}
	if !*idempotent {
		opts = append(opts, kgo.DisableIdempotentWrite())
	}
	switch *acks {
	case "all":
		opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()))
	case "leader":
		opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()))
	default:
		fmt.Fprintln(os.Stderr, "franz produce: --acks is all or leader")
		return 64
	}
	if *partition >= 0 {
		opts = append(opts, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	}
	cl, err := kgo.NewClient(append(opts, franzSecurity()...)...)
	if err != nil {
		st.failed(err)
		emit(st.report(r, started))
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(*timeout)*time.Millisecond)
	defer cancel()
	for i := *first; i < *first+*count; i++ {
		rec := &kgo.Record{Key: []byte("k-" + strconv.FormatInt(i, 10)), Value: []byte("v-" + strconv.FormatInt(i, 10))}
		if *partition >= 0 {
			rec.Partition = int32(*partition)
		}
		index := i
		st.addSent()
		cl.Produce(ctx, rec, func(rec *kgo.Record, err error) { st.done(index, rec.Partition, rec.Offset, err) })
	}
	if err := cl.Flush(ctx); err != nil {
		st.failed(err)
	}
	// franz-go quietly writes without idempotence when the broker lacks InitProducerId: the id
	// (-1 then) tells whether these writes really were idempotent.
	id, epoch, idErr := cl.ProducerID(ctx)
	cl.Close()
	resultMu.Lock()
	defer resultMu.Unlock()
	if idErr == nil {
		r["producer_id"], r["producer_epoch"] = id, epoch
	} else {
		r["producer_id_error"] = idErr.Error()
	}
	emit(st.report(r, started))
	if st.ok(*count) {
		return 0
	}
	return 2
}

func isolation(name string) (kgo.IsolationLevel, error) {
	switch name {
	case "read_uncommitted":
		return kgo.ReadUncommitted(), nil
	case "read_committed":
		return kgo.ReadCommitted(), nil
	}
	return kgo.ReadUncommitted(), fmt.Errorf("--isolation is read_uncommitted or read_committed, not %q", name)
}

func franzConsume(args []string) int {
	fs, bootstrap, timeout := flags("franz consume")
	topic := fs.String("topic", "", "topic to read")
	count := fs.Int64("count", 0, "records to read before draining")
	first := fs.Int64("first", 0, "index of the first expected record")
	rng := fs.Int64("range", -1, "how many indices are expected (default: --count)")
	group := fs.String("group", "", "consume as a member of this group (default: every partition, no group)")
	iso := fs.String("isolation", "read_uncommitted", "read_uncommitted or read_committed")
	drainMs := fs.Int64("drain-ms", 1000, "keep reading this long after --count, to catch extra copies")
	values := fs.Bool("values", false, "list the values read")
	consumeTimeout := fs.Int64("consume-timeout-ms", 60000, "stop reading after this long")
	parse(fs, args, bootstrap)
	if *rng < 0 {
		*rng = *count
	}
	level, err := isolation(*iso)
	if err != nil {
		fmt.Fprintln(os.Stderr, "franz consume:", err)
		return 64
	}

	t := newTally(*first, *rng, *values)
	r := result("franz-go", "consume")
	deadline(*timeout, func() map[string]any { return t.report(r) })

	opts := []kgo.Opt{kgo.SeedBrokers(*bootstrap), kgo.ConsumeTopics(*topic), kgo.ClientID("sluice-franz-consume"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(level),
		kgo.FetchMaxWait(250 * time.Millisecond)}
	if *group != "" {
		opts = append(opts, kgo.ConsumerGroup(*group))
	}
	cl, err := kgo.NewClient(append(opts, franzSecurity()...)...)
	if err != nil {
		r["error"] = err.Error()
		emit(t.report(r))
		return 2
	}
	stop := time.Now().Add(time.Duration(*consumeTimeout) * time.Millisecond)
	var drainUntil time.Time
	var fetchErrs []string
	for {
		now := time.Now()
		if (!drainUntil.IsZero() && now.After(drainUntil)) || now.After(stop) {
			break
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		fetches := cl.PollFetches(ctx)
		cancel()
		fetches.EachError(func(topic string, p int32, err error) {
			if !errors.Is(err, context.DeadlineExceeded) && len(fetchErrs) < 10 {
				fetchErrs = append(fetchErrs, fmt.Sprintf("%s[%d]: %v", topic, p, err))
			}
		})
		fetches.EachRecord(func(rec *kgo.Record) { t.add(rec.Partition, rec.Offset, rec.Key, rec.Value) })
		if drainUntil.IsZero() && t.total() >= *count {
			drainUntil = time.Now().Add(time.Duration(*drainMs) * time.Millisecond)
		}
	}
	if *group != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = cl.CommitUncommittedOffsets(ctx)
		cancel()
	}
	cl.Close()
	r["timed_out"] = t.total() < *count
	r["fetch_errors"] = fetchErrs
	emit(t.report(r))
	return 0
}

// txnCounts is what the txn subcommand reports.
type txnCounts struct {
	mu                                                           sync.Mutex
	transactions, committed, aborted, recsCommitted, recsAborted int64
	err                                                          string
}

func (c *txnCounts) next(abortEvery int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.transactions++
	return abortEvery > 0 && c.transactions%abortEvery == 0
}

func (c *txnCounts) ended(committed bool, n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if committed {
		c.committed++
		c.recsCommitted += n
	} else {
		c.aborted++
		c.recsAborted += n
	}
}

func (c *txnCounts) report(r map[string]any) map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	r["transactions"] = c.transactions
	r["committed"] = c.committed
	r["aborted"] = c.aborted
	r["records_committed"] = c.recsCommitted
	r["records_aborted"] = c.recsAborted
	if c.err != "" {
		r["error"] = c.err
	} else {
		r["error"] = nil
	}
	return r
}

func (c *txnCounts) fail(err error) int {
	c.mu.Lock()
	c.err = err.Error()
	c.mu.Unlock()
	return 2
}

// franzTxn commits and aborts transactions in turn until --count records are committed, what an
// aborted transaction carried going again in the next one (as the Java TxnLoop). With --input it
// is a consume-transform-produce loop in a kgo.GroupTransactSession, whose End(TryAbort) rewinds
// the group's consumption to the last committed offsets.
func franzTxn(args []string) int {
	fs, bootstrap, timeout := flags("franz txn")
	output := fs.String("output", "", "topic to produce to")
	txnID := fs.String("transactional-id", "", "transactional.id")
	count := fs.Int64("count", 0, "records to commit")
	batch := fs.Int64("batch", 10, "records per transaction")
	abortEvery := fs.Int64("abort-every", 2, "abort every n-th transaction (0: none)")
	first := fs.Int64("first", 0, "index of the first generated record")
	input := fs.String("input", "", "consume-transform-produce from this topic")
	group := fs.String("group", "", "the group of the --input consumer")
	parse(fs, args, bootstrap)
	if *abortEvery == 1 || *txnID == "" || *output == "" || (*input != "" && *group == "") {
		fmt.Fprintln(os.Stderr, "franz txn: needs --output, --transactional-id, --group with --input, "+
			"and --abort-every 0 or >= 2")
		return 64
	}

	c := &txnCounts{}
	r := result("franz-go", "txn")
	deadline(*timeout, func() map[string]any { return c.report(r) })
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(*timeout)*time.Millisecond)
	defer cancel()

	base := []kgo.Opt{kgo.SeedBrokers(*bootstrap), kgo.TransactionalID(*txnID), kgo.DefaultProduceTopic(*output),
		kgo.ClientID("sluice-franz-txn"), kgo.AllowAutoTopicCreation()}
	if *input == "" {
		cl, err := kgo.NewClient(append(base, franzSecurity()...)...)
		if err != nil {
			emit(c.report(r))
			return c.fail(err)
		}
		defer cl.Close()
		for next := *first; next < *first+*count; {
			end := min(next+*batch, *first+*count)
			abort := c.next(*abortEvery)
			if err := cl.BeginTransaction(); err != nil {
				code := c.fail(err)
				emit(c.report(r))
				return code
			}
			var produceErr error
			var produceMu sync.Mutex
			for i := next; i < end; i++ {
				rec := &kgo.Record{Key: []byte(fmt.Sprintf("k-%d", i)), Value: []byte(fmt.Sprintf("v-%d", i))}
				cl.Produce(ctx, rec, func(_ *kgo.Record, err error) {
					produceMu.Lock()
					if err != nil && produceErr == nil {
						produceErr = err
					}
					produceMu.Unlock()
				})
			}
			var err error
			if abort {
				// In the log first: the broker, not the client, must hide them.
				if err = cl.Flush(ctx); err == nil {
					err = cl.EndTransaction(ctx, kgo.TryAbort)
				}
			} else if err = cl.Flush(ctx); err == nil {
				produceMu.Lock()
				err = produceErr
				produceMu.Unlock()
				if err == nil {
					err = cl.EndTransaction(ctx, kgo.TryCommit)
				}
			}
			if err != nil {
				code := c.fail(err)
				emit(c.report(r))
				return code
			}
			c.ended(!abort, end-next)
			if !abort {
				next = end
			}
		}
		emit(c.report(r))
		return 0
	}

	sess, err := kgo.NewGroupTransactSession(append(base, kgo.ConsumerGroup(*group), kgo.ConsumeTopics(*input),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.RequireStableFetchOffsets(),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(250*time.Millisecond))...)
	if err != nil {
		emit(c.report(r))
		return c.fail(err)
	}
	defer sess.Close()
	for done := int64(0); done < *count; {
		pctx, pcancel := context.WithTimeout(ctx, time.Second)
		fetches := sess.PollRecords(pctx, int(min(*batch, *count-done)))
		pcancel()
		if ctx.Err() != nil {
			break
		}
		var recs []*kgo.Record
		fetches.EachRecord(func(rec *kgo.Record) { recs = append(recs, rec) })
		if len(recs) == 0 {
			continue
		}
		abort := c.next(*abortEvery)
		if err := sess.Begin(); err != nil {
			code := c.fail(err)
			emit(c.report(r))
			return code
		}
		for _, rec := range recs {
			sess.Produce(ctx, &kgo.Record{Key: rec.Key, Value: rec.Value}, nil)
		}
		if abort {
			// In the log first: the broker, not the client, must hide them.
			if err := sess.Client().Flush(ctx); err != nil {
				code := c.fail(err)
				emit(c.report(r))
				return code
			}
		}
		committed, err := sess.End(ctx, kgo.TransactionEndTry(!abort))
		if err != nil {
			code := c.fail(err)
			emit(c.report(r))
			return code
		}
		c.ended(committed, int64(len(recs)))
		if committed {
			done += int64(len(recs))
		}
	}
	emit(c.report(r))
	return 0
}

func franzAdmin(args []string) int {
	fs, bootstrap, timeout := flags("franz admin")
	create := fs.String("create-topic", "", "create this topic")
	partitions := fs.Int("partitions", 1, "partitions of --create-topic")
	describeCluster := fs.Bool("describe-cluster", false, "describe the cluster")
	describeTopic := fs.String("describe-topic", "", "describe this topic")
	parse(fs, args, bootstrap)

	r := result("franz-go", "admin")
	var mu sync.Mutex
	deadline(*timeout, func() map[string]any { mu.Lock(); defer mu.Unlock(); return r })
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(*bootstrap), kgo.ClientID("sluice-franz-admin")},
		franzSecurity()...)...)
	if err != nil {
		r["error"] = err.Error()
		emit(r)
		return 2
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(*timeout)*time.Millisecond)
	defer cancel()
	fail := func(err error) int {
		mu.Lock()
		r["error"] = err.Error()
		mu.Unlock()
		emit(r)
		return 2
	}
	if *create != "" {
		resp, err := adm.CreateTopic(ctx, int32(*partitions), 1, nil, *create)
		if err == nil {
			err = resp.Err
		}
		if err != nil {
			return fail(err)
		}
		mu.Lock()
		r["created"] = *create
		mu.Unlock()
	}
	if *describeCluster {
		m, err := adm.BrokerMetadata(ctx)
		if err != nil {
			return fail(err)
		}
		nodes := []any{}
		for _, b := range m.Brokers {
			nodes = append(nodes, map[string]any{"id": b.NodeID, "host": b.Host, "port": b.Port})
		}
		mu.Lock()
		r["cluster"] = map[string]any{"cluster_id": m.Cluster, "controller": m.Controller, "nodes": nodes}
		mu.Unlock()
	}
	if *describeTopic != "" {
		tds, err := adm.ListTopics(ctx, *describeTopic)
		if err != nil {
			return fail(err)
		}
		td, ok := tds[*describeTopic]
		if !ok {
			return fail(fmt.Errorf("topic %s not in the metadata answer", *describeTopic))
		}
		if td.Err != nil {
			return fail(td.Err)
		}
		parts := []any{}
		for _, p := range td.Partitions.Sorted() {
			parts = append(parts, map[string]any{"partition": p.Partition, "leader": p.Leader,
				"replicas": p.Replicas, "isr": p.ISR})
		}
		mu.Lock()
		r["topic"] = map[string]any{"name": td.Topic, "internal": td.IsInternal, "partitions": parts}
		mu.Unlock()
	}
	mu.Lock()
	defer mu.Unlock()
	emit(r)
	return 0
}
