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
  private readonly topics = new Map<string, string>();

  constructor(prefix: string, routes: readonly RouteRule[] = []) {
    this.prefix = prefix;
    this.rules = routes.map((r) => ({ glob: new TableGlob(r.match), topic: r.topic }));
  }

  topicFor(db: string, table: string): string {
    const id = `${db}.${table}`;
    let topic = this.topics.get(id);
    if (topic === undefined) {
      topic = this.rules.find((r) => r.glob.matches(db, table))?.topic ?? `${this.prefix}.${sanitizeTopicPart(db)}.${sanitizeTopicPart(table)}`;
      this.topics.set(id, topic);
    }
    return topic;
  }
}

/** Kafka topic names allow [a-zA-Z0-9._-]; anything else a table name may hold becomes `_`. */
function sanitizeTopicPart(part: string): string {
  return part.replace(/[^a-zA-Z0-9._-]/g, '_');
}
