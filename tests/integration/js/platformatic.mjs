// @platformatic/kafka (a pure-JavaScript client, the second one beside kafkajs) for the integration
// tests; tests/integration/clients.py runs it as platformatic(mode, ...). One mode per run, options
// as --name=value, exactly one JSON object printed on stdout (same field names as the Java programs
// in ../java/src and the Go ones in ../go):
//
//   node platformatic.mjs produce --bootstrap=H:P --topic=T --count=N [--first=0] [--partition=P]
//                                 [--idempotent=false] [--acks=all|leader] [--batch=500]
//       sends key k-<i>, value v-<i> in sends of --batch; prints {sent, acked, error_count, errors,
//       partitions {p: {batches, first_offset}}}
//   node platformatic.mjs consume --bootstrap=H:P --topic=T --count=N [--first=0] [--range=N]
//                                 [--group=G] [--isolation=read_uncommitted|read_committed]
//                                 [--drain-ms=1000] [--values]
//       a group member (a fresh group unless --group) reading from the earliest offset; prints
//       {count, unique, duplicates, missing_count, missing, unexpected, key_mismatches, partitions}
//   node platformatic.mjs txn --bootstrap=H:P --output=T --transactional-id=ID --count=N
//                             [--batch=10] [--abort-every=2] [--first=0] [--input=T --group=G]
//       commits and aborts transactions in turn until N records are committed, an aborted
//       transaction's records going again in the next one; with --input a consume-transform-produce
//       loop (addConsumer + addOffset in each transaction; after an abort it re-reads from the
//       group's committed offsets); prints {transactions, committed, aborted, records_committed,
//       records_aborted, error}
//
// Every mode takes the security options of security() below and --timeout-ms (default 120000): past it the run prints what it has with
// "timed_out": true and exits 3. Exit 2: a client error (in "error"/"errors"), 64: bad usage.
import {
  Consumer, Producer, ProduceAcks, FetchIsolationLevels, stringDeserializers, stringSerializers,
} from '@platformatic/kafka'
import { readFileSync } from 'node:fs'

// The package exports no ./package.json, so read the installed one's version from disk.
const clientVersion = JSON.parse(readFileSync(
  new URL('./node_modules/@platformatic/kafka/package.json', import.meta.url), 'utf8')).version

const [mode, ...rest] = process.argv.slice(2)
const opts = {}
for (const a of rest) {
  const m = /^--([^=]+)(?:=(.*))?$/.exec(a)
  if (!m) {
    process.stderr.write(`platformatic.mjs: argument '${a}' is not --name[=value]\n`)
    process.exit(64)
  }
  opts[m[1]] = m[2] === undefined ? 'true' : m[2]
}
const num = (name, otherwise) => (opts[name] === undefined ? otherwise : Number(opts[name]))
const bool = (name, otherwise) => (opts[name] === undefined ? otherwise : opts[name] === 'true')
const need = name => {
  if (opts[name] === undefined) {
    process.stderr.write(`platformatic.mjs ${mode}: --${name}=... is required\n`)
    process.exit(64)
  }
  return opts[name]
}

let printed = false
// Resolves once the pipe took it all: process.exit() would cut a large write short.
const emit = obj => new Promise(resolve => {
  if (printed) return resolve()
  printed = true
  process.stdout.write(JSON.stringify(obj) + '\n', resolve)
})
const describe = e => {
  const parts = []
  for (let x = e, depth = 0; x && depth < 5; x = x.cause, depth++) {
    parts.push(`${x.name || 'Error'}: ${x.message}`)
    if (Array.isArray(x.errors)) parts.push(...x.errors.slice(0, 3).map(y => `${y.name}: ${y.message}`))
  }
  return parts.join(' <- ')
}
const base = program => ({ client: 'platformatic-kafka', client_version: clientVersion, program })

// The deadline: print the partial result and leave.
const deadline = partial => {
  const ms = num('timeout-ms', 120000)
  setTimeout(async () => {
    await emit({ ...partial(), timed_out: true, timeout_ms: ms })
    process.exit(3)
  }, ms).unref()
}

const bootstrap = () => [need('bootstrap')]
// Secured listeners: --tls-ca=FILE [--tls-cert=FILE --tls-key=FILE] for TLS,
// --sasl-mechanism=M --sasl-user=U --sasl-password=P for SASL (OAUTHBEARER: the password is the token).
const security = () => {
  const out = {}
  if (opts['tls-ca'] !== undefined) {
    out.tls = { ca: readFileSync(opts['tls-ca']) }
    if (opts['tls-cert'] !== undefined) {
      out.tls.cert = readFileSync(opts['tls-cert'])
      out.tls.key = readFileSync(need('tls-key'))
    }
  }
  if (opts['sasl-mechanism'] !== undefined) {
    const mechanism = opts['sasl-mechanism']
    out.sasl = mechanism === 'OAUTHBEARER'
      ? { mechanism, token: need('sasl-password') }
      : { mechanism, username: need('sasl-user'), password: need('sasl-password') }
  }
  return out
}

const produce = async () => {
  const topic = need('topic')
  const count = num('count', 0)
  const first = num('first', 0)
  const partition = num('partition', -1)
  const batch = num('batch', 500)
  const idempotent = bool('idempotent', false)
  const acks = (opts.acks || 'all') === 'all' ? ProduceAcks.ALL : ProduceAcks.LEADER
  const st = { sent: 0, acked: 0, error_count: 0, errors: [], partitions: {} }
  const started = Date.now()
  const report = () => ({ ...base('produce'), ...st, elapsed_ms: Date.now() - started })
  deadline(report)

  const producer = new Producer({ clientId: 'sluice-platformatic-produce', bootstrapBrokers: bootstrap(), ...security(),
    serializers: stringSerializers, idempotent, acks, autocreateTopics: true, retries: 3 })
  try {
    for (let start = first; start < first + count; start += batch) {
      const messages = []
      for (let i = start; i < Math.min(start + batch, first + count); i++) {
        const m = { topic, key: `k-${i}`, value: `v-${i}` }
        if (partition >= 0) m.partition = partition
        messages.push(m)
      }
      st.sent += messages.length
      try {
        const result = await producer.send({ messages })
        // One answer per partition written to: the offset of the first of its messages in the batch.
        st.acked += messages.length
        for (const o of result.offsets || []) {
          const p = String(o.partition)
          const s = st.partitions[p] || { batches: 0, first_offset: Number(o.offset) }
          s.batches++
          s.first_offset = Math.min(s.first_offset, Number(o.offset))
          st.partitions[p] = s
        }
      } catch (e) {
        st.error_count += messages.length
        const d = describe(e)
        if (st.errors.length < 10 && !st.errors.includes(d)) st.errors.push(d)
        break
      }
    }
  } finally {
    await producer.close()
  }
  await emit(report())
  return st.error_count === 0 && st.acked === count ? 0 : 2
}

// Checks what a consumer read against the produce pattern, like the Java Consume.
class Tally {
  constructor (first, range, keepValues) {
    Object.assign(this, { first, range, keepValues, count: 0, duplicates: 0, keyMismatches: 0, seen: new Set(),
      unexpected: [], unexpectedCount: 0, partitions: {}, values: [] })
  }

  add (partition, key, value) {
    this.count++
    this.partitions[partition] = (this.partitions[partition] || 0) + 1
    if (this.keepValues) this.values.push(value)
    const m = /^v-(\d+)$/.exec(value ?? '')
    const i = m ? Number(m[1]) : -1
    if (i < this.first || i >= this.first + this.range) {
      this.unexpectedCount++
      if (this.unexpected.length < 10) this.unexpected.push(value)
      return
    }
    if (this.seen.has(i)) this.duplicates++
    this.seen.add(i)
    if (key != null && key !== `k-${i}`) this.keyMismatches++
  }

  report () {
    const missing = []
    for (let i = this.first; i < this.first + this.range && missing.length < 20; i++) {
      if (!this.seen.has(i)) missing.push(i)
    }
    const r = { count: this.count, unique: this.seen.size, duplicates: this.duplicates,
      missing_count: this.range - this.seen.size, missing, unexpected_count: this.unexpectedCount,
      unexpected: this.unexpected, key_mismatches: this.keyMismatches, partitions: this.partitions }
    if (this.keepValues) r.values = this.values
    return r
  }
}

const isolationLevel = () => {
  const name = opts.isolation || 'read_uncommitted'
  if (name === 'read_uncommitted') return FetchIsolationLevels.READ_UNCOMMITTED
  if (name === 'read_committed') return FetchIsolationLevels.READ_COMMITTED
  process.stderr.write('platformatic.mjs: --isolation is read_uncommitted or read_committed\n')
  process.exit(64)
}

const consume = async () => {
  const topic = need('topic')
  const count = num('count', 0)
  const first = num('first', 0)
  const range = num('range', count)
  const drainMs = num('drain-ms', 1000)
  const consumeTimeout = num('consume-timeout-ms', 60000)
  const tally = new Tally(first, range, bool('values', false))
  const report = () => ({ ...base('consume'), ...tally.report() })
  deadline(report)

  const consumer = new Consumer({ clientId: 'sluice-platformatic-consume', bootstrapBrokers: bootstrap(), ...security(),
    groupId: opts.group || `sluice-platformatic-${process.pid}-${Date.now()}`, deserializers: stringDeserializers,
    maxWaitTime: 250, sessionTimeout: 10000, heartbeatInterval: 500 })
  let timedOut = false
  let error = null
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: Boolean(opts.group),
      isolationLevel: isolationLevel(), maxWaitTime: 250 })
    await new Promise(resolve => {
      let drain = null
      const stop = setTimeout(() => { timedOut = tally.count < count; resolve() }, consumeTimeout)
      stream.on('data', m => {
        tally.add(m.partition, m.key, m.value)
        if (drain === null && tally.count >= count) {
          drain = setTimeout(() => { clearTimeout(stop); resolve() }, drainMs)
        }
      })
      stream.on('error', e => { error = describe(e); clearTimeout(stop); resolve() })
      if (count === 0) drain = setTimeout(() => { clearTimeout(stop); resolve() }, drainMs)
    })
    await stream.close()
  } catch (e) {
    error = describe(e)
  } finally {
    await consumer.close(true)
  }
  await emit({ ...report(), timed_out: timedOut, error })
  return error ? 2 : 0
}

const txn = async () => {
  const output = need('output')
  const transactionalId = need('transactional-id')
  const count = num('count', 0)
  const batch = num('batch', 10)
  const abortEvery = num('abort-every', 2)
  const first = num('first', 0)
  const input = opts.input
  if (abortEvery === 1 || (input && !opts.group)) {
    process.stderr.write('platformatic.mjs txn: --abort-every is 0 or >= 2, and --input needs --group\n')
    return 64
  }
  const c = { transactions: 0, committed: 0, aborted: 0, records_committed: 0, records_aborted: 0, error: null }
  const report = () => ({ ...base('txn'), ...c })
  deadline(report)
  const nextAborts = () => {
    c.transactions++
    return abortEvery > 0 && c.transactions % abortEvery === 0
  }
  const ended = (abort, n) => {
    if (abort) { c.aborted++; c.records_aborted += n } else { c.committed++; c.records_committed += n }
  }

  const producer = new Producer({ clientId: 'sluice-platformatic-txn', bootstrapBrokers: bootstrap(), ...security(),
    serializers: stringSerializers, idempotent: true, transactionalId, autocreateTopics: true })
  let consumer = null
  try {
    if (!input) {
      for (let next = first; next < first + count;) {
        const end = Math.min(next + batch, first + count)
        const abort = nextAborts()
        const t = await producer.beginTransaction()
        const messages = []
        for (let i = next; i < end; i++) messages.push({ topic: output, key: `k-${i}`, value: `v-${i}` })
        await t.send({ messages })
        if (abort) await t.abort()
        else await t.commit()
        ended(abort, end - next)
        if (!abort) next = end
      }
    } else {
      // Reading from the group's committed offsets, in a fresh consumer after every abort.
      const open = async () => {
        consumer = new Consumer({ clientId: 'sluice-platformatic-txn-consumer', bootstrapBrokers: bootstrap(), ...security(),
          groupId: opts.group, deserializers: stringDeserializers, maxWaitTime: 250, sessionTimeout: 10000,
          heartbeatInterval: 500 })
        const stream = await consumer.consume({ topics: [input], mode: 'committed', fallbackMode: 'earliest',
          autocommit: false, isolationLevel: FetchIsolationLevels.READ_COMMITTED, maxWaitTime: 250 })
        return stream[Symbol.asyncIterator]()
      }
      let it = await open()
      for (let done = 0; done < count;) {
        const msgs = []
        while (msgs.length < Math.min(batch, count - done)) {
          const { value, done: over } = await it.next()
          if (over) break
          msgs.push(value)
        }
        if (msgs.length === 0) continue
        const abort = nextAborts()
        const t = await producer.beginTransaction()
        await t.addConsumer(consumer)
        await t.send({ messages: msgs.map(m => ({ topic: output, key: m.key, value: m.value })) })
        for (const m of msgs) await t.addOffset(m)
        if (abort) await t.abort()
        else await t.commit()
        ended(abort, msgs.length)
        if (abort) {
          await consumer.close(true)
          it = await open()
        } else {
          done += msgs.length
        }
      }
    }
  } catch (e) {
    c.error = describe(e)
  } finally {
    if (consumer) await consumer.close(true).catch(() => {})
    await producer.close().catch(() => {})
  }
  await emit(report())
  return c.error ? 2 : 0
}

const modes = { produce, consume, txn }
if (!modes[mode]) {
  process.stderr.write('usage: node platformatic.mjs produce|consume|txn --bootstrap=H:P ...\n')
  process.exit(64)
}
modes[mode]().then(code => process.exit(code), async e => {
  await emit({ ...base(mode), error: describe(e) })
  process.exit(2)
})
