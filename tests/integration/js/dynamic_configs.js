// kafkajs 2.2.4's admin client on BROKER config resources: node dynamic_configs.js <host:port> <id>
//
// alterConfigs (AlterConfigs v1, which replaces the resource's whole dynamic set) and
// describeConfigs (v2, with synonyms) on this broker's id and on '' (the cluster-wide default),
// with validateOnly and the error cases. Prints what it observed as one JSON object;
// test_dynamic_broker_configs.py asserts on it. Errors are recorded as their Kafka error type
// (e.g. INVALID_REQUEST) or, for errors kafkajs raises itself, its error class and message.
const { ConfigResourceTypes } = require('kafkajs')
const { client, failureOf } = require('./support')

const [broker, brokerId] = process.argv.slice(2)
const kafka = client('sluice-dynamic-configs-test', broker)

const errorOf = promise =>
  failureOf(promise, cause => {
    if (cause.errors) return cause.errors.map(err => err.type).join(',')
    if (cause.type) return { type: cause.type, message: cause.message }
    return { name: cause.name, message: cause.message }
  })

// {name: [value, source, readOnly, synonyms]} of a broker resource's entries.
const brokerConfigs = async (admin, name, configNames) => {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: true,
    resources: [{ type: ConfigResourceTypes.BROKER, name, configNames }],
  })
  const out = {}
  for (const e of resources[0].configEntries) {
    out[e.configName] = [e.configValue, e.configSource, e.readOnly,
      e.configSynonyms.map(s => [s.configName, s.configValue, s.configSource])]
  }
  return { errorCode: resources[0].errorCode, configs: out }
}

const alter = (admin, name, entries, validateOnly = false) => admin.alterConfigs({
  validateOnly,
  resources: [{
    type: ConfigResourceTypes.BROKER, name,
    configEntries: Object.entries(entries).map(([k, v]) => ({ name: k, value: v })),
  }],
})

const main = async () => {
  const admin = kafka.admin()
  await admin.connect()
  const seen = {}
  const keys = ['log.retention.bytes', 'log.roll.ms', 'log.dirs']
  try {
    const altered = await alter(admin, brokerId, { 'log.retention.bytes': '3221225472' })
    seen.altered = altered.resources.map(r => [r.errorCode, r.resourceType, r.resourceName])
    seen.afterAlter = await brokerConfigs(admin, brokerId, keys)

    // AlterConfigs replaces the set: log.retention.bytes goes back to its default.
    await alter(admin, brokerId, { 'log.roll.ms': '3600000' })
    seen.afterReplace = await brokerConfigs(admin, brokerId, keys)

    await alter(admin, brokerId, { 'log.roll.ms': '60000' }, true)
    seen.afterValidateOnly = await brokerConfigs(admin, brokerId, keys)

    seen.readOnly = await errorOf(alter(admin, brokerId, { 'log.dirs': '/tmp/elsewhere' }))
    seen.badValue = await errorOf(alter(admin, brokerId, { 'log.roll.ms': 'soon' }))
    seen.unknown = await errorOf(alter(admin, brokerId, { 'no.such.key': '1' }))
    seen.afterErrors = await brokerConfigs(admin, brokerId, keys)

    // The cluster-wide default resource is named ''.
    seen.alterDefault = await errorOf(alter(admin, '', { 'log.retention.bytes': '1' }))
    seen.describeDefault = await errorOf(brokerConfigs(admin, '', null))

    await alter(admin, brokerId, {})
    seen.afterClear = await brokerConfigs(admin, brokerId, keys)
  } finally {
    await admin.disconnect()
  }
  process.stdout.write(JSON.stringify(seen) + '\n')
}

main().catch(e => {
  process.stderr.write(`${e.stack || e}\n`)
  process.exit(1)
})
