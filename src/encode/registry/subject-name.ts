/** How a schema's subject is named, as Confluent's serializers name these strategies. */
export type SubjectStrategy = 'topic' | 'record' | 'topic_record';

/**
 * The subject of a key or value schema: TopicNameStrategy `<topic>-key` / `<topic>-value`,
 * RecordNameStrategy the record's full name, TopicRecordNameStrategy `<topic>-<full name>`.
 */
export function subjectName(strategy: SubjectStrategy, topic: string, part: 'key' | 'value', recordFullName: string): string {
  switch (strategy) {
    case 'topic':
      return `${topic}-${part}`;
    case 'record':
      return recordFullName;
    case 'topic_record':
      return `${topic}-${recordFullName}`;
  }
}

/** The full name of a named schema in JSON form (`namespace.name`, or `name` when it has dots). */
export function recordFullName(schema: Record<string, unknown>): string {
  const name = String(schema.name);
  if (name.includes('.') || typeof schema.namespace !== 'string' || schema.namespace === '') return name;
  return `${schema.namespace}.${name}`;
}
