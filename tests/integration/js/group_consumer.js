// A kafkajs 2.2.4 group consumer for test_groups.py:
//   node group_consumer.js <host:port> <group> <topic> [options as JSON]
//
// It subscribes to <topic> from the beginning, auto-commit off, and after processing each batch
// commits the offset after the batch's last message. Everything it observes is printed to stdout
// as JSON lines, the same events test_groups.py's Python workers print:
//   {"ev":"assigned","parts":[...]}          a generation was joined (GROUP_JOIN)
//   {"ev":"rebalancing"}                      kafkajs noticed a rebalance
//   {"ev":"batch","recs":[[p,o,value]...],"commit":"ok"|"<error type>"}
//   {"ev":"done","committed":{p:offset}}      with stop_after: the records it kept, committed
//   {"ev":"closed"}                           it left the group (SIGTERM, or stop_after reached)
// Options: session_timeout (ms), stop_after (process exactly that many records, commit, leave),
// assignor ("range", a range assignor written here, or "roundrobin", kafkajs's own), log_level.
//
// kafkajs ships only its RoundRobinAssigner (protocol name "RoundRobinAssigner"), which no other
// client speaks; a mixed group needs a protocol every member knows, so this file implements the
// range strategy under the standard name "range" (the same member metadata and assignment
// formats the Java, Python and librdkafka clients use).
const { Kafka, logLevel, PartitionAssigners, AssignerProtocol } = require('kafkajs')

const [bootstrap, groupId, topic, optionsJson] = process.argv.slice(2)
const options = JSON.parse(optionsJson || '{}')

// Resolves once written: the last event must be out before process.exit().
const emit = event =>
  new Promise(resolve => process.stdout.write(JSON.stringify(event) + '\n', resolve))

// kafkajs's default logger writes to stdout, which carries the events: log to stderr instead.
const stderrLogger = () => ({ namespace, level, label, log }) => {
  const { message, ...extra } = log
  const when = new Date().toISOString()
  process.stderr.write(`${when} ${label} [${namespace}] ${message} ${JSON.stringify(extra)}\n`)
}

// The range strategy: for each topic, the sorted subscribers each get a contiguous run of the
// sorted partitions, the first (partitions % subscribers) of them one extra.
const rangeAssigner = ({ cluster }) => ({
  name: 'range',
  version: 0,
  async assign({ members, topics }) {
    const subscribers = members
      .map(m => ({
        id: m.memberId,
        topics: AssignerProtocol.MemberMetadata.decode(m.memberMetadata).topics,
      }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    const plan = Object.fromEntries(subscribers.map(s => [s.id, {}]))
    for (const t of topics) {
      const partitions = cluster
        .findTopicPartitionMetadata(t)
        .map(p => p.partitionId)
        .sort((a, b) => a - b)
      const takers = subscribers.filter(s => s.topics.includes(t))
      if (takers.length === 0) continue
      const each = Math.floor(partitions.length / takers.length)
      const extra = partitions.length % takers.length
      takers.forEach((s, i) => {
        const start = i * each + Math.min(i, extra)
        plan[s.id][t] = partitions.slice(start, start + each + (i < extra ? 1 : 0))
      })
    }
    return Object.entries(plan).map(([memberId, assignment]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment }),
    }))
  },
  protocol({ topics }) {
    return {
      name: 'range',
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics }),
    }
  },
})

const kafka = new Kafka({
  clientId: options.client_id || 'sluice-kafkajs-group',
  brokers: [bootstrap],
  logLevel: logLevel[options.log_level || 'ERROR'],
  logCreator: stderrLogger,
  retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 },
})

const consumer = kafka.consumer({
  groupId,
  sessionTimeout: options.session_timeout || 10000,
  rebalanceTimeout: options.rebalance_timeout || 30000,
  heartbeatInterval: options.heartbeat_interval || 1000,
  maxWaitTimeInMs: 250,
  maxBytesPerPartition: options.max_bytes_per_partition || 16384,
  partitionAssigners: [
    options.assignor === 'roundrobin' ? PartitionAssigners.roundRobin : rangeAssigner,
  ],
})

let closing = false
const close = async code => {
  if (closing) return
  closing = true
  try {
    await consumer.disconnect()
    await emit({ ev: 'closed' })
  } catch (e) {
    process.stderr.write(`disconnect failed: ${e.stack}\n`)
    code = 3
  }
  process.exit(code)
}
process.on('SIGTERM', () => close(0))

const errorType = e => e.type || e.name || String(e)

const main = async () => {
  consumer.on(consumer.events.GROUP_JOIN, e => {
    const a = e.payload.memberAssignment || {}
    emit({ ev: 'assigned', parts: (a[topic] || []).slice().sort((x, y) => x - y),
           member: e.payload.memberId, leader: e.payload.isLeader,
           protocol: e.payload.groupProtocol })
  })
  consumer.on(consumer.events.REBALANCING, () => emit({ ev: 'rebalancing' }))
  consumer.on(consumer.events.CRASH, e => emit({ ev: 'crash', error: String(e.payload.error) }))
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })

  let remaining = options.stop_after === undefined ? Infinity : options.stop_after
  const committed = {}
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset }) => {
      if (closing || remaining <= 0 || batch.messages.length === 0) return
      const kept = batch.messages.slice(0, Math.min(batch.messages.length, remaining))
      remaining -= kept.length
      const recs = kept.map(m => [batch.partition, Number(m.offset), m.value.toString()])
      const next = String(Number(kept[kept.length - 1].offset) + 1)
      for (const m of kept) resolveOffset(m.offset)
      let result = 'ok'
      try {
        await consumer.commitOffsets([
          { topic: batch.topic, partition: batch.partition, offset: next },
        ])
        committed[batch.partition] = Number(next)
      } catch (e) {
        result = errorType(e)
      }
      emit({ ev: 'batch', recs, commit: result })
      if (remaining <= 0) {
        emit({ ev: 'done', committed })
        setImmediate(() => close(0))
      }
    },
  })
}

main().catch(e => {
  process.stderr.write(`group_consumer failed: ${e.stack}\n`)
  process.exit(2)
})
