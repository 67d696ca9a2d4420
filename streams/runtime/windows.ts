/** A window of event time, [start, end): contains t when start <= t < end. */
export interface TimeWindow {
  start: number;
  end: number;
}

/** Assigns a timestamp to the windows that contain it, earliest first. */
export interface Windows {
  readonly sizeMs: number;
  windowsFor(timestamp: number): TimeWindow[];
}

function positive(name: string, ms: number): void {
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`${name} must be a positive number of ms, got ${ms}`);
}

/** Fixed-size, non-overlapping windows aligned to the epoch: each timestamp is in exactly one. */
export function tumblingWindows(sizeMs: number): Windows {
  positive('window size', sizeMs);
  return {
    sizeMs,
    windowsFor(t) {
      const start = Math.floor(t / sizeMs) * sizeMs;
      return [{ start, end: start + sizeMs }];
    },
  };
}

/** Fixed-size windows starting every `advanceMs`; a timestamp is in ceil(size / advance) of them. */
export function hoppingWindows(sizeMs: number, advanceMs: number): Windows {
  positive('window size', sizeMs);
  positive('window advance', advanceMs);
  if (advanceMs > sizeMs) throw new RangeError(`advance ${advanceMs} > size ${sizeMs} would leave gaps: use tumbling windows`);
  return {
    sizeMs,
    windowsFor(t) {
      const out: TimeWindow[] = [];
      const last = Math.floor(t / advanceMs) * advanceMs;
      for (let start = last; start > t - sizeMs; start -= advanceMs) out.push({ start, end: start + sizeMs });
      return out.reverse();
    },
  };
}

/**
 * Sliding windows: the window of a record at t is the `sizeMs` ending just after it, (t - size, t],
 * written as [t - size + 1, t + 1). Aggregations over "the last N ms before each event" use it.
 */
export function slidingWindows(sizeMs: number): Windows {
  positive('window size', sizeMs);
  return {
    sizeMs,
    windowsFor(t) {
      return [{ start: t - sizeMs + 1, end: t + 1 }];
    },
  };
}

/** A window is closed once the watermark has reached its end: no record for it can still be on time. */
export function isWindowClosed(w: TimeWindow, watermark: number): boolean {
  return watermark >= w.end;
}

/** A store key for (record key, window), sortable by window start within a key. */
export function windowedKey(key: string, w: TimeWindow): string {
  return `${key}@${w.start}`;
}
