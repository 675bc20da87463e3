// kafkajs 2.2.4 over SASL_PLAINTEXT for test_sasl.py: PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 as
// alice (PLAIN password alice-secret, SCRAM password alice-scram), each producing 5 messages to its
// own topic and reading them back in a group; then a wrong PLAIN and a wrong SCRAM password.
//   node sasl.js <host:port of the SASL_PLAINTEXT listener>
// Prints {"plain": {"produced", "consumed"}, "scram256": ..., "scram512": ...,
//         "wrong_plain": "<error>", "wrong_scram": "<error>"}.
//   node sasl.js --oauthbearer <host:port>
// OAUTHBEARER instead, with an unsecured JWT (alg none) for alice with scope kafka, and one
// without the scope: prints {"oauth": {"produced", "consumed"}, "wrong_scope": "<error>"}.
const { Kafka, logLevel } = require('kafkajs')

const args = process.argv.slice(2)
const oauthMode = args[0] === '--oauthbearer'
const bootstrap = oauthMode ? args[1] : args[0]

const client = (mechanism, username, password) =>
  new Kafka({
    clientId: `sluice-kafkajs-sasl-${mechanism}`,
    brokers: [bootstrap],
    sasl: { mechanism, username, password },
    logLevel: logLevel.NOTHING,
    retry: { retries: 2, initialRetryTime: 100 },
  })

const unsecuredJwt = (claims) => {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const now = Date.now() / 1000
  return `${part({ alg: 'none' })}.${part({ iat: now, exp: now + 3600, ...claims })}.`
}

const oauthClient = (claims) =>
  new Kafka({
    clientId: 'sluice-kafkajs-sasl-oauthbearer',
    brokers: [bootstrap],
    sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: unsecuredJwt(claims) }) },
    logLevel: logLevel.NOTHING,
    retry: { retries: 2, initialRetryTime: 100 },
  })

const roundTrip = async (name, kafka) => {
  const topic = `kafkajs-${name}`
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })
  await admin.disconnect()
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({ topic, messages: [0, 1, 2, 3, 4].map((i) => ({ value: `v-${i}` })) })
  await producer.disconnect()
  const consumer = kafka.consumer({ groupId: `kafkajs-${name}` })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const seen = new Set()
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`consumed ${seen.size} of 5`)), 60000)
    consumer.run({
      eachMessage: async ({ message }) => {
        seen.add(message.value.toString())
        if (seen.size === 5) {
          clearTimeout(timer)
          resolve()
        }
      },
    })
  })
  await consumer.disconnect()
  return { produced: 5, consumed: seen.size }
}

const failure = async (kafka) => {
  const admin = kafka.admin()
  try {
    await admin.connect()
    await admin.listTopics()
    return 'no error'
  } catch (e) {
    return String((e.originalError || e).message || e)
  } finally {
    await admin.disconnect().catch(() => {})
  }
}

const main = async () => {
  const out = {}
  if (oauthMode) {
    out.oauth = await roundTrip('oauth', oauthClient({ sub: 'alice', scope: ['kafka'] }))
    out.wrong_scope = await failure(oauthClient({ sub: 'alice' }))
    process.stdout.write(JSON.stringify(out) + '\n')
    return
  }
  out.plain = await roundTrip('plain', client('plain', 'alice', 'alice-secret'))
  out.scram256 = await roundTrip('scram256', client('scram-sha-256', 'alice', 'alice-scram'))
  out.scram512 = await roundTrip('scram512', client('scram-sha-512', 'alice', 'alice-scram'))
  out.wrong_plain = await failure(client('plain', 'alice', 'wrong'))
  out.wrong_scram = await failure(client('scram-sha-256', 'alice', 'wrong'))
  process.stdout.write(JSON.stringify(out) + '\n')
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`)
  process.exit(1)
})
