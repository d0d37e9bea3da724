/**
 * A run's connections to its builder's feeds (PRODUCT.md §8), opened by the coordinator as the
 * plan says (feeds/feed-plan.ts): the preconfirmation feed, the block-metrics feed beside it, and
 * flashblocks. Each frame is parsed and counted as it arrives (the run's FeedFigures, which the
 * checkpoint carries); its events about transactions wait in an inbox until the next tick hands
 * them to the tracker. A frame costs the coordinator a parse and never an await, and nothing on
 * the send path waits for a feed: a feed that is down only shows in its figures.
 */
import { recordBlockMetricsMessage, recordFirstSightings, recordFlashblockMessage, recordPreconfMessage, recordReconnect, type FeedFigures, type FeedName } from "../feeds/feed-figures";
import type { FeedPlan } from "../feeds/feed-plan";
import { openFeedSocket, type FeedSocket, type FeedSocketState } from "../feeds/feed-socket";
import { decodeFlashblockFrame, FirstSightings } from "../feeds/flashblocks";
import { parseBlockMetricsMessage, type BlockBuild } from "../feeds/block-metrics-messages";
import { parsePreconfMessage } from "../feeds/preconf-messages";
import type { FeedEvent } from "./feed-word";

/**
 * Events waiting for the next tick at most. A tick takes them every 200 ms, so this is only
 * reached when ticks stall for long under a fast feed; what does not fit is counted, not kept.
 */
export const MAX_INBOX = 200_000;

/**
 * How long the end of a run waits for the block-metrics feed to report the last block the run
 * polled. A builder sends a block's build on its own socket, which may trail the node's head (the
 * test builder, polling anvil, trails it by up to a poll): closed at once, the feed would leave the
 * run's last block out of its figures.
 */
export const BLOCK_FEED_CATCH_UP_MS = 2_000;

export type FeedConnections = Partial<Record<FeedName, FeedSocketState>>;

export class BuilderFeeds {
  private inbox: FeedEvent[] = [];
  private builds: BlockBuild[] = [];
  private readonly sockets = new Map<FeedName, FeedSocket>();
  private readonly sightings = new FirstSightings();

  /** `figures` is the run's (live.feedFigures): counted in place. */
  constructor(private readonly figures: FeedFigures) {}

  /**
   * Opens the planned feeds. `resumed`: the run was already reading them before a restart, so the
   * first connection counts as a reconnect (a sequence number may have moved on meanwhile).
   */
  open(plan: FeedPlan, resumed: boolean): void {
    if (plan.preconf) {
      this.connect("preconf", plan.preconf, resumed, (data, at) => {
        const events = recordPreconfMessage(this.figures, parsePreconfMessage(data, at));
        // `pending` says nothing the run measures: counted in the figures, not handed on.
        this.accept(events.filter((e) => e.status !== "pending").map((e) => ({ hash: e.txHash, status: e.status, at, source: "preconf" as const })));
      });
    }
    if (plan.blockMetrics) {
      this.connect("blockMetrics", plan.blockMetrics, resumed, (data, at) => {
        const build = recordBlockMetricsMessage(this.figures, parseBlockMetricsMessage(data, at));
        // One a block: the time series takes each second's builds (bounded like the events).
        if (build && this.builds.length < MAX_INBOX) this.builds.push(build);
      });
    }
    if (plan.flashblocks) {
      this.connect("flashblocks", plan.flashblocks, resumed, (data, at) => {
        const message = decodeFlashblockFrame(data);
        recordFlashblockMessage(this.figures, message);
        if (!message.ok) return;
        const sightings = this.sightings.observe(message.flashblock, at);
        recordFirstSightings(this.figures, sightings);
        this.accept(sightings.map((s) => ({ hash: s.hash, status: "preconfirmed" as const, at: s.at, source: "flashblocks" as const, index: s.index })));
      });
    }
  }

  /** The transaction events and the block builds received since the last call, in order. */
  take(): { events: FeedEvent[]; builds: BlockBuild[] } {
    const taken = { events: this.inbox, builds: this.builds };
    this.inbox = [];
    this.builds = [];
    return taken;
  }

  /** Whether the run reads this feed. */
  reads(name: FeedName): boolean {
    return this.sockets.has(name);
  }

  /** Each open feed's connection state: open, connecting, or waiting to reconnect. */
  connections(): FeedConnections {
    return Object.fromEntries([...this.sockets].map(([name, socket]) => [name, socket.stats().state]));
  }

  close(): void {
    for (const socket of this.sockets.values()) socket.close();
    this.sockets.clear();
    this.inbox = [];
    this.builds = [];
  }

  private connect(name: FeedName, url: string, resumed: boolean, onMessage: (data: string | ArrayBuffer, at: number) => void): void {
    const socket = openFeedSocket(url, {
      onMessage,
      onOpen: (reconnect) => {
        if (reconnect || resumed) recordReconnect(this.figures, name);
      },
    });
    this.sockets.set(name, socket);
  }

  private accept(events: FeedEvent[]): void {
    const room = MAX_INBOX - this.inbox.length;
    if (events.length > room) this.figures.overflow = (this.figures.overflow ?? 0) + events.length - Math.max(0, room);
    for (let i = 0; i < Math.min(room, events.length); i++) this.inbox.push(events[i]);
  }
}
