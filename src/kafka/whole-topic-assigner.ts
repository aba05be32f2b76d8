/**
 * A partition assigner that gives every partition to one member: the group leader that runs it,
 * which is always a live archiver (a member that died cannot compute an assignment).
 *
 * Why: an archive run must read every partition to its end. A member killed a moment ago stays in
 * the group until its session times out; a round-robin assignment made meanwhile hands it
 * partitions that nobody reads until the next rebalance. Static membership (a `group.instance.id`,
 * which would let a restarted archiver take its predecessor's place) is not available in this
 * Kafka client. So the archiver offers this assigner first, and round robin second: the group uses
 * this one when every member offers it, round robin when a member of another kind is in the group
 * (then the archiver may get part of the topic, and an `--until-idle` run waits, then fails, as
 * archive-topic.ts describes).
 */
import { randomBytes } from 'node:crypto';
import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

export const WHOLE_TOPIC_ASSIGNER = 'SubsnapWholeTopic';

/** An assigner for one consumer: its metadata carries a token by which, as leader, it finds itself. */
export function wholeTopicAssigner(): PartitionAssigner {
  const token = randomBytes(16);
  return ({ cluster }) => ({
    name: WHOLE_TOPIC_ASSIGNER,
    version: 0,
    protocol: ({ topics }) => ({
      name: WHOLE_TOPIC_ASSIGNER,
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: token }),
    }),
    async assign({ members, topics }) {
      const isSelf = (metadata: Buffer) => {
        try {
          return AssignerProtocol.MemberMetadata.decode(metadata)?.userData?.equals(token) === true;
        } catch {
          return false;
        }
      };
      const self =
        members.find((m) => isSelf(m.memberMetadata)) ??
        [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : 1))[0];
      const everything = Object.fromEntries(topics.map((topic) => [topic, cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId)]));
      return members.map((m) => ({
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 0,
          assignment: m === self ? everything : {},
          userData: Buffer.alloc(0),
        }),
      }));
    },
  });
}
