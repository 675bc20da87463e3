// kafkajs 2.2.4 producing and consuming for test_kafkajs.py. One mode per run, one JSON object
// printed on stdout:
//
//   node producer_consumer.js produce <host:port> <topic> <first> <count> <partitions>
//                                     <none|gzip> <acks> <base ts>
//       sends messages first..first+count-1 (built by message() below, to partition i % partitions,
//       timestamp base+i) in batches of 500; prints {"offsets": [[i, partition, offset], ...]}
//   node producer_consumer.js consume <host:port> <topic> <group> <count>
//       a group consumer from the beginning until <count> messages; prints {"messages": [...]},
//       each [partition, offset, key, value, headers, timestamp] with bytes as base64 (null kept)
//   node producer_consumer.js offsets <host:port> <topic> <timestamp>...
//       admin fetchTopicOffsets, and fetchTopicOffsetsByTimestamp for each timestamp (after
//       deleteTopicRecords moved partition 0's start to 5)
//   node producer_consumer.js seek <host:port> <topic> <group> <partition> <forward> <back> <count>
//       a group consumer that seeks <partition> to <forward> at its first message there, reads to
//       the end of the partition, then seeks back to <back> and reads <count> more; prints the
//       offsets it processed after each seek
//
// test_kafkajs.py builds the same messages in Python (message() there) to compare byte for byte.
//
// Secured listeners (test_client_security.py): KAFKAJS_SECURITY='{"ca": FILE, "cert": FILE,
// "key": FILE, "sasl": {"mechanism": "scram-sha-512", "username": U, "password": P}}' — "ca" for
// TLS, "cert"/"key" for mutual TLS, "sasl" for SASL; any may be left out.
const { readFileSync } = require('fs')
const { Kafka, logLevel, CompressionTypes } = require('kafkajs')

const [mode, bootstrap, ...args] = process.argv.slice(2)

const security = (() => {
  const s = JSON.parse(process.env.KAFKAJS_SECURITY || '{}')
  const out = {}
  if (s.ca) {
    out.ssl = { ca: [readFileSync(s.ca)] }
    if (s.cert) Object.assign(out.ssl, { cert: readFileSync(s.cert), key: readFileSync(s.key) })
  }
  if (s.sasl) out.sasl = s.sasl
  return out
})()

const kafka = new Kafka({
  ...security,
  clientId: `sluice-kafkajs-${mode}`,
  brokers: [bootstrap],
  logLevel: logLevel[process.env.KAFKAJS_LOG || 'ERROR'],
  logCreator: () => ({ namespace, label, log }) => {
    const { message, ...extra } = log
    process.stderr.write(`${label} [${namespace}] ${message} ${JSON.stringify(extra)}\n`)
  },
  retry: { retries: 5, initialRetryTime: 100 },
})

// Message i: keys, values and headers of every shape (null key, null and empty values, binary
// bytes, no headers, several headers).
const message = (i, baseTs) => {
  const value = i % 97 === 5 ? null
    : i % 50 === 7 ? Buffer.alloc(0)
    : Buffer.from(Array.from({ length: (i % 64) + 1 }, (_, j) => (i * 31 + j * 7) & 0xff))
  const m = {
    key: i % 10 === 3 ? null : Buffer.from(`key-${i}`),
    value,
    timestamp: String(baseTs + i),
  }
  if (i % 5 !== 0) {
    m.headers = {
      idx: Buffer.from(String(i)),
      bin: Buffer.from([i & 0xff, 0, 0xff, (i >> 8) & 0xff]),
    }
  }
  return m
}

const b64 = buf => (buf === null || buf === undefined ? null : Buffer.from(buf).toString('base64'))
// Resolves once the pipe took it all: process.exit() would cut a large write short.
const out = obj => new Promise(resolve => process.stdout.write(JSON.stringify(obj) + '\n', resolve))

const produce = async (topic, first, count, partitions, codec, acks, baseTs) => {
  const producer = kafka.producer({ allowAutoTopicCreation: true })
  await producer.connect()
  const offsets = []
  try {
    for (let start = first; start < first + count; start += 500) {
      const ids = []
      for (let i = start; i < Math.min(start + 500, first + count); i++) ids.push(i)
      const result = await producer.send({
        topic,
        acks,
        compression: codec === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
        messages: ids.map(i => ({ ...message(i, baseTs), partition: i % partitions })),
      })
      // One answer per partition: its messages got consecutive offsets from baseOffset, in order.
      const next = {}
      for (const r of result) {
        if (r.errorCode !== 0) throw new Error(`partition ${r.partition}: error ${r.errorCode}`)
        next[r.partition] = Number(r.baseOffset)
      }
      for (const i of ids) offsets.push([i, i % partitions, next[i % partitions]++])
    }
  } finally {
    await producer.disconnect()
  }
  await out({ offsets })
}

const consume = async (topic, groupId, count) => {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250, heartbeatInterval: 1000 })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  const messages = []
  await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`only ${messages.length} of ${count} messages in 60s`)), 60000)
    consumer.run({
      eachMessage: async ({ partition, message: m }) => {
        if (messages.length >= count) return
        const headers = Object.entries(m.headers || {}).map(([k, v]) => [k, b64(v)])
        messages.push([partition, Number(m.offset), b64(m.key), b64(m.value), headers,
          Number(m.timestamp)])
        if (messages.length === count) {
          clearTimeout(timer)
          resolve()
        }
      },
    }).catch(reject)
  })
  await consumer.disconnect()
  await out({ messages })
}

const offsets = async (topic, timestamps) => {
  const admin = kafka.admin()
  await admin.connect()
  const result = {}
  try {
    result.before = await admin.fetchTopicOffsets(topic)
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '5' }] })
    result.after = await admin.fetchTopicOffsets(topic)
    result.byTimestamp = {}
    for (const ts of timestamps) {
      result.byTimestamp[ts] = await admin.fetchTopicOffsetsByTimestamp(topic, Number(ts))
    }
  } finally {
    await admin.disconnect()
  }
  await out(result)
}

const seek = async (topic, groupId, partition, forward, back, count) => {
  const admin = kafka.admin()
  await admin.connect()
  const watermarks = await admin.fetchTopicOffsets(topic)
  const end = Number(watermarks.find(p => p.partition === partition).high)
  await admin.disconnect()

  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250, heartbeatInterval: 1000 })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  const seen = { end, beforeSeek: 0, afterForward: [], afterBack: [] }
  let phase = 'start'
  await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`stuck in phase ${phase}: ${JSON.stringify(seen)}`)), 60000)
    consumer.run({
      eachMessage: async ({ partition: p, message: m }) => {
        if (p !== partition) return
        const offset = Number(m.offset)
        if (phase === 'start') {
          seen.beforeSeek += 1
          phase = 'forward'
          consumer.seek({ topic, partition, offset: String(forward) })
        } else if (phase === 'forward') {
          seen.afterForward.push(offset)
          if (offset === end - 1) {
            phase = 'back'
            consumer.seek({ topic, partition, offset: String(back) })
          }
        } else if (phase === 'back') {
          seen.afterBack.push(offset)
          if (seen.afterBack.length === count) {
            phase = 'done'
            clearTimeout(timer)
            resolve()
          }
        }
      },
    }).catch(reject)
  })
  await consumer.disconnect()
  await out(seen)
}

const main = async () => {
  switch (mode) {
    case 'produce': {
      const [topic, first, count, partitions, codec, acks, baseTs] = args
      return produce(topic, Number(first), Number(count), Number(partitions), codec, Number(acks),
        Number(baseTs))
    }
    case 'consume':
      return consume(args[0], args[1], Number(args[2]))
    case 'offsets':
      return offsets(args[0], args.slice(1))
    case 'seek': {
      const [topic, group, partition, forward, back, count] = args
      return seek(topic, group, Number(partition), Number(forward), Number(back), Number(count))
    }
    default:
      throw new Error(`unknown mode ${mode}`)
  }
}

main().then(() => process.exit(0), e => {
  process.stderr.write(`producer_consumer ${mode} failed: ${e.stack}\n`)
  process.exit(1)
})
