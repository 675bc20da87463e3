// What the kafkajs test scripts share: a client with retries off and logging silenced (each script
// reports what it observed as JSON, so nothing else may reach stdout), and the cause of a failed
// call as kafkajs nests it.
const { Kafka, logLevel } = require('kafkajs')

const client = (clientId, broker) =>
  new Kafka({ clientId, brokers: [broker], logLevel: logLevel.NOTHING, retry: { retries: 0 } })

// null when `promise` resolves; else what `describe` makes of the failure's cause (a retriable
// error that outlived the retries is wrapped; aggregate errors list each resource's error).
const failureOf = async (promise, describe) => {
  try {
    await promise
    return null
  } catch (e) {
    return describe(e.cause || e.originalError || e)
  }
}

module.exports = { client, failureOf }
