// kafkajs 2.2.4 with idempotence and transactions, for test_kafkajs.py. One JSON object on stdout.
//
//   node transactions.js idempotent <host:port> <topic> <count>
//       an idempotent producer (acks all, one request in flight, as kafkajs requires) sends
//       0..count-1 in batches of 100; prints {"acked": n}
//   node transactions.js ctp <host:port> <input> <output> <group> <count> <batch>
//       consume-transform-produce: a read_committed group consumer of <input> and a transactional
//       producer that writes "out-<value>" to <output> and the consumer's offsets in the same
//       transaction (sendOffsets), committing and aborting in turn (an aborted batch is sent and
//       then aborted, and read again from the group's offsets) until <count> records committed;
//       prints {"committed": [...values], "aborted": n}
//   node transactions.js read <host:port> <topic> <group> <read_committed|read_uncommitted> <count>
//       a group consumer until <count> messages or 15 s of silence; prints {"values": [...]}
const { Kafka, logLevel } = require('kafkajs')

const [mode, bootstrap, ...args] = process.argv.slice(2)
const kafka = new Kafka({ clientId: `sluice-kafkajs-txn-${mode}`, brokers: [bootstrap],
  logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } })
const emit = (o) => process.stdout.write(JSON.stringify(o) + '\n')

const idempotent = async (topic, count) => {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  let acked = 0
  for (let first = 0; first < count; first += 100) {
    const messages = []
    for (let i = first; i < Math.min(first + 100, count); i++) messages.push({ value: String(i) })
    const res = await producer.send({ topic, acks: -1, messages })
    acked += messages.length
    if (!res.every(r => r.errorCode === 0)) throw new Error(JSON.stringify(res))
  }
  await producer.disconnect()
  emit({ acked })
}

const ctp = async (input, output, group, count, batch) => {
  const producer = kafka.producer({ transactionalId: `kafkajs-${group}`, idempotent: true,
    maxInFlightRequests: 1 })
  await producer.connect()
  const admin = kafka.admin()
  await admin.connect()
  const committed = []
  let aborted = 0
  let round = 0
  while (committed.length < count) {
    // The group's committed offsets, or the start: what is left to transform.
    const offsets = await admin.fetchOffsets({ groupId: group, topics: [input] })
    const parts = offsets[0].partitions
    const start = new Map(parts.map(p => [p.partition, p.offset === '-1' ? '0' : p.offset]))
    const consumer = kafka.consumer({ groupId: `${group}-reader-${round}`, readUncommitted: false })
    await consumer.connect()
    await consumer.subscribe({ topic: input, fromBeginning: true })
    const msgs = []
    await new Promise((resolve) => {
      consumer.run({ autoCommit: false, eachMessage: async ({ partition, message }) => {
        if (BigInt(message.offset) < BigInt(start.get(partition) || '0')) return
        if (msgs.length < batch) msgs.push({ partition, message })
        if (msgs.length >= batch) resolve()
      } })
      setTimeout(resolve, 5000)
    })
    await consumer.disconnect()
    if (msgs.length === 0) break
    const abort = round % 2 === 1
    round++
    const txn = await producer.transaction()
    await txn.send({ topic: output, acks: -1,
      messages: msgs.map(m => ({ value: 'out-' + m.message.value.toString() })) })
    const next = new Map()
    for (const m of msgs) {
      const o = (BigInt(m.message.offset) + 1n).toString()
      if (!next.has(m.partition) || BigInt(o) > BigInt(next.get(m.partition))) next.set(m.partition, o)
    }
    await txn.sendOffsets({ consumerGroupId: group,
      topics: [{ topic: input, partitions: [...next].map(([partition, offset]) => ({ partition, offset })) }] })
    if (abort) {
      await txn.abort()
      aborted++
    } else {
      await txn.commit()
      for (const m of msgs) committed.push('out-' + m.message.value.toString())
    }
  }
  await admin.disconnect()
  await producer.disconnect()
  emit({ committed, aborted })
}

const read = async (topic, group, isolation, count) => {
  const consumer = kafka.consumer({ groupId: group, readUncommitted: isolation === 'read_uncommitted' })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const values = []
  await new Promise((resolve) => {
    let idle = setTimeout(resolve, 15000)
    consumer.run({ eachMessage: async ({ message }) => {
      values.push(message.value.toString())
      clearTimeout(idle)
      idle = setTimeout(resolve, values.length >= count ? 1000 : 15000)
    } })
  })
  await consumer.disconnect()
  emit({ values })
}

const main = async () => {
  if (mode === 'idempotent') return idempotent(args[0], Number(args[1]))
  if (mode === 'ctp') return ctp(args[0], args[1], args[2], Number(args[3]), Number(args[4]))
  if (mode === 'read') return read(args[0], args[1], args[2], Number(args[3]))
  throw new Error(`unknown mode ${mode}`)
}

main().then(() => process.exit(0), (e) => {
  process.stderr.write(`${e.stack || e}\n`)
  process.exit(1)
})
