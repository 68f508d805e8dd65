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

/**
 * Whether `subject` is one a pipeline registers for one of `topics` under `strategy`:
 * `<topic>-key`/`-value`, `<topic>-<full name>`, or (record strategy, where subjects
 * name no topic) a Key or Envelope record in the pipeline's namespace.
 */
const SCHEMA_CHANGE_RECORDS = new Set(['io.tributary.SchemaChangeKey', 'io.tributary.SchemaChangeValue']);

export function isPipelineSubject(strategy: SubjectStrategy, subject: string, topics: ReadonlySet<string>, namespaceBase: string): boolean {
  switch (strategy) {
    case 'topic': {
      const m = /^(.*)-(key|value)$/.exec(subject);
      return m !== null && topics.has(m[1]!);
    }
    case 'topic_record':
      for (const t of topics) if (subject.startsWith(`${t}-`) && /\.(Key|Envelope|SchemaChangeKey|SchemaChangeValue)$/.test(subject)) return true;
      return false;
    case 'record':
      // The schema-change records have fixed names, shared by every pipeline.
      return (subject.startsWith(`${namespaceBase}.`) && /\.(Key|Envelope)$/.test(subject)) || SCHEMA_CHANGE_RECORDS.has(subject);
  }
}
