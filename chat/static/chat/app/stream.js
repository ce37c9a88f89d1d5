// The live part: the server's event stream (/api/v1/events), resumed by its cursor after every drop, so that
// nothing is missed or doubled; a `resync` event means the cursor is too old and everything is read again.

const TYPES = [
  "message.posted",
  "message.edited",
  "message.deleted",
  "message.hidden",
  "message.unhidden",
  "participant.joined",
  "participant.left",
  "participant.removed",
  "participant.banned",
  "participant.unbanned",
  "participant.role_changed",
  "chatroom.renamed",
  "channel.created",
  "channel.changed",
  "channel.grant_changed",
  "grant.set",
  "grant.cleared",
  "presence.changed",
  "presence.online",
  "read_marker.moved",
];

export class Stream {
  constructor({ onEvent, onResync, onStatus }) {
    this.onEvent = onEvent;
    this.onResync = onResync;
    this.onStatus = onStatus;
    this.cursor = null;
    this.source = null;
    this.delay = 1000;
    this.timer = null;
  }

  start() {
    this.connect();
    window.addEventListener("online", () => this.reconnectSoon(0));
  }

  connect() {
    clearTimeout(this.timer);
    if (this.source) this.source.close();
    const url = this.cursor ? `/api/v1/events?cursor=${encodeURIComponent(this.cursor)}` : "/api/v1/events";
    const source = new EventSource(url, { withCredentials: true });
    this.source = source;
    source.addEventListener("open", () => {
      this.delay = 1000;
      this.onStatus("");
    });
    source.addEventListener("error", () => {
      this.onStatus("Reconnecting…");
      // The browser retries by itself (sending Last-Event-ID) unless the answer was not a stream at all.
      if (source.readyState === EventSource.CLOSED) this.reconnectSoon(this.delay);
    });
    const handle = (event) => this.handle(event);
    for (const type of TYPES) source.addEventListener(type, handle);
    source.addEventListener("message", handle);
    source.addEventListener("resync", async (event) => {
      this.remember(event);
      source.close();
      this.cursor = null;
      await this.onResync();
      this.reconnectSoon(0);
    });
  }

  reconnectSoon(delay) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
    this.delay = Math.min(this.delay * 2, 30000);
  }

  remember(event) {
    if (event.lastEventId) this.cursor = event.lastEventId;
  }

  handle(event) {
    this.remember(event);
    let parsed;
    try {
      parsed = JSON.parse(event.data);
    } catch {
      return;
    }
    // Either the whole event ({"id", "type", "chatroom", "data"}) or only what changed.
    const whole = parsed && typeof parsed === "object" && "data" in parsed && "type" in parsed;
    const type = whole ? parsed.type : event.type;
    const data = whole ? parsed.data : parsed;
    const chatroom = (whole && parsed.chatroom) || (data && data.chatroom);
    this.onEvent(type, data, chatroom);
  }
}
