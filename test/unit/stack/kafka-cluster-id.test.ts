import { clusterId } from '../../../stack/kafka/service';

describe('the KRaft cluster id given to the storage tool', () => {
  it('is 16 bytes of URL-safe base64 and never starts with "-", which the tool would parse as an option', () => {
    // One raw draw in 64 starts with '-': in 5,000 draws the unguarded id would show it.
    const ids = Array.from({ length: 5000 }, () => clusterId());
    expect(ids.filter((id) => id.startsWith('-'))).toEqual([]);
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });
});
