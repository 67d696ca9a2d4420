import { LogFollower } from '../../../stack/registry/follower';
import { encodeRecord, type LogRecord } from '../../../stack/registry/records';
import { RegistryService } from '../../../stack/registry/service';

/**
 * The registry's log as an array, for tests: the same ordering contract as the Kafka topic
 * (one partition, offsets in append order, every follower applies every record in order)
 * without a broker. Followers receive records on a later tick, as consumers would.
 */
export class MemoryLog {
  readonly values: Buffer[] = [];
  private readonly followers: LogFollower[] = [];

  /** A registry instance on this log, caught up and ready. */
  instance(): { service: RegistryService; follower: LogFollower } {
    const follower = new LogFollower();
    this.values.forEach((value, offset) => follower.apply(offset, value));
    this.followers.push(follower);
    const service = new RegistryService({ follower, append: (proposal, record) => this.append(proposal, record) });
    service.markReady();
    return { service, follower };
  }

  async append(proposal: string, record: LogRecord): Promise<void> {
    const { value } = encodeRecord(proposal, record);
    const offset = this.values.push(value) - 1;
    await Promise.resolve();
    for (const follower of this.followers) follower.apply(offset, value);
  }
}
