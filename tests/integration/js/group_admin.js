// kafkajs 2.2.4's admin group calls for test_groups.py:
//   node group_admin.js <host:port> <topic> <empty group> <live group>
//
// Lists and describes the groups, fetches their offsets for <topic>, deletes the empty group,
// tries to delete the live one and a missing one, and lists again; prints all it saw as one JSON
// object. A failed deletion is recorded as "<group>:<Kafka error type>".
const { Kafka, logLevel, AssignerProtocol } = require('kafkajs')

const [bootstrap, topic, emptyGroup, liveGroup] = process.argv.slice(2)
const kafka = new Kafka({
  clientId: 'sluice-group-admin',
  brokers: [bootstrap],
  logLevel: logLevel.NOTHING,
  retry: { retries: 0 },
})

const listed = async admin =>
  (await admin.listGroups()).groups
    .map(g => [g.groupId, g.protocolType])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))

const deletionErrors = async (admin, groups) => {
  try {
    return await admin.deleteGroups(groups)
  } catch (e) {
    if (!e.groups) throw e
    return e.groups.map(g => `${g.groupId}:${g.error ? g.error.type : g.errorCode}`)
  }
}

const main = async () => {
  const admin = kafka.admin()
  await admin.connect()
  const seen = {}
  try {
    seen.listed = await listed(admin)
    const { groups } = await admin.describeGroups([emptyGroup, liveGroup])
    seen.described = groups.map(g => ({
      groupId: g.groupId,
      state: g.state,
      protocolType: g.protocolType,
      protocol: g.protocol,
      members: g.members.map(m => {
        const assignment = AssignerProtocol.MemberAssignment.decode(m.memberAssignment)
        const assigned = {}
        for (const [t, ps] of Object.entries(assignment ? assignment.assignment : {})) {
          assigned[t] = ps.slice().sort((x, y) => x - y)
        }
        return {
          clientId: m.clientId,
          clientHost: m.clientHost,
          topics: AssignerProtocol.MemberMetadata.decode(m.memberMetadata).topics,
          assigned,
        }
      }),
    }))
    seen.offsets = {}
    for (const groupId of [emptyGroup, liveGroup]) {
      const topics = await admin.fetchOffsets({ groupId, topics: [topic] })
      seen.offsets[groupId] = Object.fromEntries(
        topics[0].partitions.map(p => [String(p.partition), Number(p.offset)]))
    }
    seen.deleteEmpty = await admin.deleteGroups([emptyGroup])
    seen.deleteLive = await deletionErrors(admin, [liveGroup])
    seen.deleteMissing = await deletionErrors(admin, ['no-such-group'])
    seen.listedAfter = await listed(admin)
  } finally {
    await admin.disconnect()
  }
  process.stdout.write(JSON.stringify(seen) + '\n')
}

main().catch(e => {
  process.stderr.write(`group_admin failed: ${e.stack}\n`)
  process.exit(1)
})
