// kafkajs 2.2.4's admin client against sluiced: node admin.js <host:port>
//
// Runs one scenario — createTopics, fetchTopicMetadata, describeConfigs, alterConfigs,
// createPartitions, describeCluster, deleteTopics, with their error cases — and prints what it
// observed as one JSON object; test_admin_kafkajs.py asserts on it. Errors are recorded as their
// Kafka error type (e.g. TOPIC_ALREADY_EXISTS), never swallowed silently.
const { ConfigResourceTypes } = require('kafkajs')
const { client, failureOf } = require('./support')

const broker = process.argv[2]
const kafka = client('sluice-admin-test', broker)

// The Kafka error type of a failed call (aggregate errors list each topic's type).
const errorOf = promise =>
  failureOf(promise, cause =>
    cause.errors ? cause.errors.map(err => err.type).join(',') : cause.type || cause.name)

const partitionsOf = async (admin, topic) => {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] })
  return topics[0].partitions.map(p => p.partitionId).sort((a, b) => a - b)
}

const topicConfigs = async (admin, topic, configNames) => {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: true,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames }],
  })
  const out = {}
  for (const e of resources[0].configEntries) {
    out[e.configName] = {
      value: e.configValue,
      source: e.configSource,
      readOnly: e.readOnly,
      synonyms: e.configSynonyms.map(s => [s.configName, s.configValue, s.configSource]),
    }
  }
  return out
}

const main = async () => {
  const admin = kafka.admin()
  await admin.connect()
  const seen = {}
  try {
    seen.created = await admin.createTopics({
      topics: [
        { topic: 'js-a', numPartitions: 3, replicationFactor: 1,
          configEntries: [{ name: 'retention.ms', value: '90000' }] },
        { topic: 'js-b', numPartitions: 1, replicationFactor: 1 },
      ],
    })
    seen.createdAgain = await admin.createTopics({ topics: [{ topic: 'js-a', numPartitions: 1 }] })
    seen.createBadRf = await errorOf(
      admin.createTopics({ topics: [{ topic: 'js-rf', numPartitions: 1, replicationFactor: 4 }] }))
    seen.createBadConfig = await errorOf(admin.createTopics({
      topics: [{ topic: 'js-cfg', numPartitions: 1,
                 configEntries: [{ name: 'segment.bytes', value: 'tiny' }] }],
    }))
    // kafkajs would wait for leaders of a topic that was only validated: ask it not to.
    seen.validateOnly = await admin.createTopics({
      validateOnly: true, waitForLeaders: false, topics: [{ topic: 'js-dry', numPartitions: 2 }],
    })
    seen.topicsAfterCreate = (await admin.listTopics()).sort()
    seen.partitionsA = await partitionsOf(admin, 'js-a')

    seen.configsA = await topicConfigs(admin, 'js-a', ['retention.ms', 'cleanup.policy'])
    const brokerConfigs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configNames: ['num.partitions'] }],
    })
    seen.brokerNumPartitions = brokerConfigs.resources[0].configEntries.map(
      e => [e.configName, e.configValue, e.configSource, e.readOnly])
    seen.describeMissing = await errorOf(topicConfigs(admin, 'js-missing'))

    await admin.alterConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'js-a',
                    configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    })
    seen.configsAfterAlter = await topicConfigs(admin, 'js-a', ['retention.ms', 'cleanup.policy'])
    seen.alterInvalid = await errorOf(admin.alterConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'js-a',
                    configEntries: [{ name: 'cleanup.policy', value: 'recycle' }] }],
    }))
    seen.alterValidateOnly = await admin.alterConfigs({
      validateOnly: true,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'js-a',
                    configEntries: [{ name: 'retention.ms', value: '1' }] }],
    })
    seen.configsAfterValidateOnly = await topicConfigs(admin, 'js-a', ['retention.ms'])

    await admin.createPartitions({ topicPartitions: [{ topic: 'js-b', count: 4 }] })
    seen.partitionsB = await partitionsOf(admin, 'js-b')
    seen.shrink = await errorOf(
      admin.createPartitions({ topicPartitions: [{ topic: 'js-b', count: 2 }] }))

    seen.cluster = await admin.describeCluster()

    await admin.deleteTopics({ topics: ['js-a', 'js-b'] })
    seen.topicsAfterDelete = (await admin.listTopics()).sort()
    seen.deleteMissing = await errorOf(admin.deleteTopics({ topics: ['js-a'] }))
  } finally {
    await admin.disconnect()
  }
  process.stdout.write(JSON.stringify(seen) + '\n')
}

main().catch(e => {
  process.stderr.write(`${e.stack || e}\n`)
  process.exit(1)
})
