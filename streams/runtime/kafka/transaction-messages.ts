import type { Message, TopicMessages } from 'kafkajs';
import type { OutboundMessage } from '../task';

/**
 * kafkajs writes all messages for one partition in a send as one record batch, and a record
 * batch over the broker's message.max.bytes (1 MiB by default) is refused. So a transaction's
 * messages go out in sends of at most `maxBytes`, in order.
 */
export function chunkBySize(messages: OutboundMessage[], maxBytes = 768 * 1024): TopicMessages[][] {
  const sends: TopicMessages[][] = [];
  let current = new Map<string, Message[]>();
  let size = 0;
  const flush = () => {
    if (current.size > 0) sends.push([...current].map(([topic, msgs]) => ({ topic, messages: msgs })));
    current = new Map();
    size = 0;
  };
  for (const m of messages) {
    const bytes = 70 + (m.key?.length ?? 0) + (m.value?.length ?? 0) + Object.entries(m.headers).reduce((n, [k, v]) => n + k.length + v.length + 8, 0);
    if (size > 0 && size + bytes > maxBytes) flush();
    const list = current.get(m.topic) ?? [];
    list.push({
      key: m.key,
      value: m.value,
      timestamp: String(m.timestamp),
      headers: m.headers,
      ...(m.partition === undefined ? {} : { partition: m.partition }),
    });
    current.set(m.topic, list);
    size += bytes;
  }
  flush();
  return sends;
}
