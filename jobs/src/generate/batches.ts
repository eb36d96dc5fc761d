import type { BatchParts, EventKind, EventParts, Id64, Timestamp } from "./batch_parts.ts";
import type { Catalog } from "./catalog.ts";
import { sampleUtcMillisOfDay } from "./diurnal.ts";
import type { Random } from "./prng.ts";

/** Share of events that are not product views (other event names and types, views without a product). */
const IGNORED_SHARE = 0.04;
/** Share of batches holding several events (2..4); the rest hold one, as in the sample. */
const MULTI_EVENT_SHARE = 0.06;
/** Share of batches that start a new session instead of continuing a recent one. */
const NEW_SESSION_SHARE = 0.15;
/** Share of events reusing the previous event's id: the sample shares one id, so readers must not deduplicate. */
const REUSED_EVENT_ID_SHARE = 0.02;
/** Share of timestamps without a fraction (12 of 47,633 in the sample). */
const WHOLE_TIMESTAMP_SHARE = 0.001;
const RECENT_SESSIONS = 64;
const DAY_MS = 86_400_000;

const ascii = (values: string[]) => values.map((v) => Buffer.from(v, "latin1"));
const CATEGORIES = ascii(["calcados", "roupas", "acessorios", "bolsas", "infantil", "esporte"]);
const SEARCHES = ascii(["tenis", "vestido", "sandalia", "jaqueta jeans", "bota", "mochila"]);
const SCREENS = ascii(["Home", "Cart", "Checkout", "Wishlist", "Account"]);
const EMPTY = new Uint8Array(0);

interface Session {
  mpid: Id64;
  sessionId: Id64;
}

/** One batch and what it holds, for the report. */
export interface GeneratedBatch extends BatchParts {
  views: number;
  ignored: number;
}

/**
 * Makes the batches of one platform-day: product views drawn by popularity at diurnal times inside
 * the UTC day, mixed with events readers must ignore. Marks each viewed catalog index in `seen`.
 */
export class BatchMaker {
  private readonly sessions: Session[] = [];
  private readonly productBytes: Uint8Array[];
  private readonly popularity: Catalog["popularity"];
  private lastEventId: Id64;

  constructor(
    private readonly rng: Random,
    catalog: Catalog,
    private readonly dayStartMs: number,
    readonly seen: Uint8Array,
  ) {
    this.popularity = catalog.popularity;
    this.productBytes = catalog.products.map((p) => Buffer.from(p, "latin1"));
    this.lastEventId = rng.id64Parts();
  }

  /** The next batch, holding at most `viewsLeft` product views (a batch may hold none). */
  next(viewsLeft: number): GeneratedBatch {
    const rng = this.rng;
    const size = rng.chance(MULTI_EVENT_SHARE) ? 2 + rng.int(3) : 1;
    const session = this.session();
    const startMs = sampleUtcMillisOfDay(rng);
    const events: EventParts[] = [];
    let views = 0;
    for (let i = 0; i < size; i++) {
      // Later events of a batch follow within seconds, but never leave the folder's UTC day.
      const time = this.timestamp(Math.min(startMs + i * rng.int(30_000), DAY_MS - 1));
      const isView = views < viewsLeft && !rng.chance(IGNORED_SHARE);
      events.push(isView ? this.view(session, time) : this.ignored(session, time));
      if (isView) views++;
    }
    // The batch was sent a little after its first event.
    const time = this.timestamp(startMs + 1_000 + rng.int(600_000));
    return { events, mpid: session.mpid, time, views, ignored: size - views };
  }

  private view(session: Session, time: Timestamp): EventParts {
    const index = this.popularity.sample(this.rng);
    this.seen[index] = 1;
    return this.event("product", session, time, this.productBytes[index] as Uint8Array);
  }

  private ignored(session: Session, time: Timestamp): EventParts {
    const rng = this.rng;
    switch (rng.int(5)) {
      case 0:
        return this.event("category", session, time, rng.pick(CATEGORIES));
      case 1:
        return this.event("search", session, time, rng.pick(SEARCHES));
      case 2:
        return this.event("no_attributes", session, time, EMPTY);
      case 3:
        // A product event whose codeColor is the empty string: not a view.
        return this.event("product", session, time, EMPTY);
      default:
        return this.event("screen_view", session, time, rng.pick(SCREENS));
    }
  }

  private event(kind: EventKind, session: Session, time: Timestamp, value: Uint8Array): EventParts {
    if (!this.rng.chance(REUSED_EVENT_ID_SHARE)) this.lastEventId = this.rng.id64Parts();
    return { kind, time, eventId: this.lastEventId, sessionId: session.sessionId, value };
  }

  /**
   * Epoch milliseconds with a fraction of up to four digits, like the sample (1454361579158.9556).
   * The fraction stays below .999 so that no double rounds up into the next minute or day.
   */
  private timestamp(msOfDay: number): Timestamp {
    const ms = this.dayStartMs + msOfDay;
    if (this.rng.chance(WHOLE_TIMESTAMP_SHARE)) return { ms, fraction: 0, fractionDigits: 0 };
    // Up to four decimals without trailing zeros, as a JS number prints.
    let fraction = 1 + this.rng.int(9_989);
    let fractionDigits = 4;
    while (fraction % 10 === 0) {
      fraction /= 10;
      fractionDigits--;
    }
    return { ms, fraction, fractionDigits };
  }

  private session(): Session {
    const rng = this.rng;
    if (this.sessions.length < RECENT_SESSIONS || rng.chance(NEW_SESSION_SHARE)) {
      const fresh = { mpid: rng.id64Parts(), sessionId: rng.id64Parts() };
      if (this.sessions.length < RECENT_SESSIONS) this.sessions.push(fresh);
      else this.sessions[rng.int(RECENT_SESSIONS)] = fresh;
      return fresh;
    }
    return this.sessions[rng.int(RECENT_SESSIONS)] as Session;
  }
}
