// The archiver's partition assigner: the leader that runs it takes every partition; the other
// members (a killed archiver still in the group among them) get none. The group itself is tested
// against a real broker in archive-complete.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AssignerProtocol, type Cluster } from 'kafkajs';
import { WHOLE_TOPIC_ASSIGNER, wholeTopicAssigner } from '../../src/kafka/whole-topic-assigner.js';

const cluster = { findTopicPartitionMetadata: (topic: string) => (topic === 'subs' ? [0, 1, 2] : [0]).map((partitionId) => ({ partitionId })) } as unknown as Cluster;
const logger = {} as never;

describe('whole-topic assigner', () => {
  it('gives every partition to the member that runs it, none to the others', async () => {
    const self = wholeTopicAssigner()({ cluster, groupId: 'g', logger });
    const dead = wholeTopicAssigner()({ cluster, groupId: 'g', logger });
    const state = self.protocol({ topics: ['subs'] });
    assert.equal(state.name, WHOLE_TOPIC_ASSIGNER);
    const members = [
      { memberId: 'a-dead', memberMetadata: dead.protocol({ topics: ['subs'] }).metadata },
      { memberId: 'b-self', memberMetadata: state.metadata },
      { memberId: 'c-garbage', memberMetadata: Buffer.from([1]) },
    ];
    const assignment = await self.assign({ members, topics: ['subs', 'other'] });
    const decoded = Object.fromEntries(assignment.map((a) => [a.memberId, AssignerProtocol.MemberAssignment.decode(a.memberAssignment)?.assignment]));
    assert.deepEqual(decoded, { 'a-dead': {}, 'b-self': { subs: [0, 1, 2], other: [0] }, 'c-garbage': {} });
  });
});
