import type { EventText } from "./batch_text.ts";
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
const RECENT_SESSIONS = 64;
const DAY_MS = 86_400_000;

const CATEGORIES = ["calcados", "roupas", "acessorios", "bolsas", "infantil", "esporte"];
const SEARCHES = ["tenis", "vestido", "sandalia", "jaqueta jeans", "bota", "mochila"];
const SCREENS = ["Home", "Cart", "Checkout", "Wishlist", "Account"];

interface Session {
  mpid: string;
  sessionId: string;
}

/** One batch and what it holds, for the report. Numbers are digit strings, written verbatim. */
export interface GeneratedBatch {
  events: EventText[];
  mpid: string;
  timestamp: string;
  views: number;
  ignored: number;
}

/**
 * Makes the batches of one platform-day: product views drawn by popularity at diurnal times inside
 * the UTC day, mixed with events readers must ignore. Marks each viewed catalog index in `seen`.
 */
export class BatchMaker {
  private readonly sessions: Session[] = [];
  private lastEventId: string;

  constructor(
    private readonly rng: Random,
    private readonly catalog: Catalog,
    private readonly dayStartMs: number,
    readonly seen: Uint8Array,
  ) {
    this.lastEventId = rng.id64();
  }

  /** The next batch, holding at most `viewsLeft` product views (a batch may hold none). */
  next(viewsLeft: number): GeneratedBatch {
    const rng = this.rng;
    const size = rng.chance(MULTI_EVENT_SHARE) ? 2 + rng.int(3) : 1;
    const session = this.session();
    const startMs = sampleUtcMillisOfDay(rng);
    const events: EventText[] = [];
    let views = 0;
    for (let i = 0; i < size; i++) {
      // Later events of a batch follow within seconds, but never leave the folder's UTC day.
      const ms = Math.min(startMs + i * rng.int(30_000), DAY_MS - 1);
      const isView = views < viewsLeft && !rng.chance(IGNORED_SHARE);
      events.push(isView ? this.view(session, ms) : this.ignored(session, ms));
      if (isView) views++;
    }
    // The batch was sent a little after its first event.
    const timestamp = this.timestamp(startMs + 1_000 + rng.int(600_000));
    return { events, mpid: session.mpid, timestamp, views, ignored: size - views };
  }

  private view(session: Session, ms: number): EventText {
    const index = this.catalog.popularity.sample(this.rng);
    this.seen[index] = 1;
    return this.customEvent("navigation", "product", session, ms, [
      ["codeColor", this.catalog.products[index] as string],
    ]);
  }

  private ignored(session: Session, ms: number): EventText {
    const rng = this.rng;
    switch (rng.int(5)) {
      case 0:
        return this.customEvent("navigation", "category", session, ms, [["category", rng.pick(CATEGORIES)]]);
      case 1:
        return this.customEvent("search", "search", session, ms, [["query", rng.pick(SEARCHES)]]);
      case 2:
        return this.customEvent("navigation", "product", session, ms, []);
      case 3:
        return this.customEvent("navigation", "product", session, ms, [["codeColor", ""]]);
      default:
        return {
          type: "screen_view",
          screenName: rng.pick(SCREENS),
          timestamp: this.timestamp(ms),
          eventId: this.eventId(),
          sessionId: session.sessionId,
        };
    }
  }

  private customEvent(
    type: string,
    name: string,
    session: Session,
    ms: number,
    attributes: [string, string][],
  ): EventText {
    return {
      type: "custom_event",
      customEventType: type,
      eventName: name,
      timestamp: this.timestamp(ms),
      eventId: this.eventId(),
      sessionId: session.sessionId,
      attributes,
    };
  }

  /**
   * Epoch milliseconds with a fraction of up to four digits, like the sample (1454361579158.9556).
   * The fraction stays below .999 so that no double rounds up into the next minute or day.
   */
  private timestamp(msOfDay: number): string {
    // Printed as two small integers: V8 turns those into text much faster than a 13-digit double.
    const whole = this.dayStartMs + msOfDay;
    const millions = Math.floor(whole / 1_000_000);
    const rest = String(whole - millions * 1_000_000).padStart(6, "0");
    if (this.rng.chance(0.001)) return `${millions}${rest}`;
    // Up to four decimals without trailing zeros, as a JS number prints.
    let fraction = 1 + this.rng.int(9_989);
    let digits = 4;
    while (fraction % 10 === 0) {
      fraction /= 10;
      digits--;
    }
    return `${millions}${rest}.${String(fraction).padStart(digits, "0")}`;
  }

  private eventId(): string {
    if (!this.rng.chance(REUSED_EVENT_ID_SHARE)) this.lastEventId = this.rng.id64();
    return this.lastEventId;
  }

  private session(): Session {
    const rng = this.rng;
    if (this.sessions.length < RECENT_SESSIONS || rng.chance(NEW_SESSION_SHARE)) {
      const fresh = { mpid: rng.id64(), sessionId: rng.id64() };
      if (this.sessions.length < RECENT_SESSIONS) this.sessions.push(fresh);
      else this.sessions[rng.int(RECENT_SESSIONS)] = fresh;
      return fresh;
    }
    return this.sessions[rng.int(RECENT_SESSIONS)] as Session;
  }
}
