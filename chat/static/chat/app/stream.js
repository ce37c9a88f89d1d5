// The live part: the server's event stream (/api/v1/events), resumed by its cursor after every drop, so that
// nothing is missed or doubled; a `resync` event means the cursor is too old and everything is read again.


export class Stream {
  constructor({ types, onEvent, onResync, onStatus }) {
    this.types = types; // every event type the server sends (the page lists them)
    this.onEvent = onEvent;
    this.onResync = onResync;
    this.onStatus = onStatus;
    this.cursor = null;
    this.source = null;
    this.delay = 1000;
    this.timer = null;
    this.connections = 0;
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
    // Reconnecting with no cursor (none was seen yet) starts from now: read everything again, so that nothing
    // that happened while the stream was away is missed.
    const blind = this.connections > 0 && !this.cursor;
    this.connections += 1;
    source.addEventListener("open", () => {
      this.delay = 1000;
      this.onStatus("");
      if (blind) this.onResync();
    });
    source.addEventListener("error", () => {
      this.onStatus("Reconnecting…");
      // The browser retries by itself (sending Last-Event-ID) unless the answer was not a stream at all.
      if (source.readyState === EventSource.CLOSED) this.reconnectSoon(this.delay);
    });
    const handle = (event) => this.handle(event);
    for (const type of this.types) source.addEventListener(type, handle);
    source.addEventListener("message", handle);
    source.addEventListener("resync", async (event) => {
      // The server's cursor of now: reload everything, then follow on from there.
      this.remember(event);
      source.close();
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
