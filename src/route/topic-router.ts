import { TableGlob } from './table-glob.js';

export interface RouteRule {
  match: string;
  topic: string;
}

/**
 * Table -> Kafka topic. The first matching route wins; otherwise the topic is
 * `<prefix>.<db>.<table>`. Cached per table: routing sits on the per-row path.
 */
export class TopicRouter {
  private readonly rules: { glob: TableGlob; topic: string }[];
  private readonly prefix: string;
  /** db -> table -> topic: looked up per message, so no key string is built per call. */
  private readonly topics = new Map<string, Map<string, string>>();

  constructor(prefix: string, routes: readonly RouteRule[] = []) {
    this.prefix = prefix;
    this.rules = routes.map((r) => ({ glob: new TableGlob(r.match), topic: r.topic }));
  }

  topicFor(db: string, table: string): string {
    let tables = this.topics.get(db);
    if (!tables) {
      tables = new Map();
      this.topics.set(db, tables);
    }
    let topic = tables.get(table);
    if (topic === undefined) {
      topic = this.rules.find((r) => r.glob.matches(db, table))?.topic ?? `${this.prefix}.${sanitizeTopicPart(db)}.${sanitizeTopicPart(table)}`;
      tables.set(table, topic);
    }
    return topic;
  }
}

/** Kafka topic names allow [a-zA-Z0-9._-]; anything else a table name may hold becomes `_`. */
function sanitizeTopicPart(part: string): string {
  return part.replace(/[^a-zA-Z0-9._-]/g, '_');
}
