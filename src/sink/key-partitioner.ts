import { Partitioners, type ICustomPartitioner } from 'kafkajs';

/**
 * kafkajs's default partitioner (murmur2 of the key, as the Java client does), with a
 * shortcut for a topic of one partition: every record goes to it, so neither the hash nor
 * the per-record filtering of the partition list is needed. The result is the same.
 */
export const KeyPartitioner: ICustomPartitioner = () => {
  const murmur2 = Partitioners.DefaultPartitioner();
  return (args) => (args.partitionMetadata.length === 1 ? args.partitionMetadata[0]!.partitionId : murmur2(args));
};
