import type { Message, TopicMessages } from 'kafkajs';
import type { OutboundMessage } from '../task';

/** Caps of one send: per topic under the broker's record batch limit, and in all. */
export interface SendCaps {
  /** Bytes of one topic's messages in a send. Default 768 KiB. */
  perTopic: number;
  /** Bytes of a whole send (one produce request). Default 8 MiB. */
  total: number;
}

const DEFAULT_CAPS: SendCaps = { perTopic: 768 * 1024, total: 8 * 1024 * 1024 };

/**
 * Splits a transaction's messages into sends, in order. kafkajs writes all of a send's messages
 * for one partition as one record batch, and the broker refuses a record batch over its
 * message.max.bytes (1 MiB by default). A topic's messages in a send are capped below that (a
 * partition holds at most its topic's), not the send as a whole: an instance's transaction
 * carries every task's outputs and changelogs, and one produce request for all of them is one
 * round trip where a send per 768 KiB was many.
 */
export function chunkBySize(messages: OutboundMessage[], caps: SendCaps = DEFAULT_CAPS): TopicMessages[][] {
  const sends: TopicMessages[][] = [];
  let current = new Map<string, { messages: Message[]; bytes: number }>();
  let total = 0;
  const flush = () => {
    if (current.size > 0) sends.push([...current].map(([topic, t]) => ({ topic, messages: t.messages })));
    current = new Map();
    total = 0;
  };
  for (const m of messages) {
    const bytes = 70 + (m.key?.length ?? 0) + (m.value?.length ?? 0) + headerBytes(m.headers);
    const topicBytes = current.get(m.topic)?.bytes ?? 0;
    if ((topicBytes > 0 && topicBytes + bytes > caps.perTopic) || (total > 0 && total + bytes > caps.total)) flush();
    let topic = current.get(m.topic);
    if (!topic) {
      topic = { messages: [], bytes: 0 };
      current.set(m.topic, topic);
    }
    const message: Message = { key: m.key, value: m.value, timestamp: String(m.timestamp), headers: m.headers };
    if (m.partition !== undefined) message.partition = m.partition;
    topic.messages.push(message);
    topic.bytes += bytes;
    total += bytes;
  }
  flush();
  return sends;
}

/** A message's header bytes, estimated as chunkBySize does, without building an array per message (most have none). */
function headerBytes(headers: Record<string, string>): number {
  let n = 0;
  for (const k in headers) n += k.length + headers[k]!.length + 8;
  return n;
}
