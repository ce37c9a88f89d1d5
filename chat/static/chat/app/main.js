// The built-in web client: chatrooms on the left, the open chatroom in the middle, its participants on the right.
// It holds no rule of its own: whatever it may do, the v1 API decides; what changes arrives on the event stream.
// Text from users only ever goes in through textContent; message HTML is the server's sanitised HTML.

import { api, all, ApiError } from "./api.js";
import { Stream } from "./stream.js";

const $ = (id) => document.getElementById(id);
const PAGE_SIZE = 50;
const MODERATORS = new Set(["owner", "admin"]);

const state = {
  me: document.body.dataset.me,
  rooms: [],
  room: null, // the open chatroom, as v1 lists it (with the caller's role)
  channels: [],
  channel: null,
  participants: [],
  older: null, // the cursor link to older messages of the open channel
  loadingOlder: false,
  mentions: new Map(), // username -> user id, picked in the composer
  pending: new Map(), // client-chosen id -> what was sent, until the server confirms it
  mentionIndex: 0,
};

// ---- Small helpers -------------------------------------------------------------------------------------------

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function timeOf(iso) {
  const when = new Date(iso);
  const sameDay = when.toDateString() === new Date().toDateString();
  return sameDay
    ? when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
    : when.toLocaleString([], { dateStyle: "short", timeStyle: "short" });
}

function isModerator() {
  return state.room && MODERATORS.has(state.room.role);
}

function status(text) {
  $("connection").textContent = text;
}

function report(error) {
  status(error instanceof ApiError ? error.message : "Something went wrong; please try again.");
}

// ---- Dialogs (new chatroom, rename, invite, new channel, channel settings, confirmations) ---------------------

function dialog({ title, body = [], ok = "OK", onOk }) {
  const box = $("dialog");
  $("dialog-title").textContent = title;
  $("dialog-body").replaceChildren(...body);
  $("dialog-error").textContent = "";
  $("dialog-ok").textContent = ok;
  $("dialog-ok").hidden = !onOk;
  $("dialog-cancel").textContent = onOk ? "Cancel" : "Close";
  $("dialog-form").onsubmit = async (event) => {
    event.preventDefault();
    try {
      await onOk();
      box.close();
    } catch (error) {
      $("dialog-error").textContent = error.message;
    }
  };
  $("dialog-cancel").onclick = () => box.close();
  box.showModal();
  const first = box.querySelector("#dialog-body input, #dialog-body textarea");
  if (first) first.focus();
}

function field(label, attributes) {
  const input = el("input", { id: `field-${label.replace(/\W+/g, "-").toLowerCase()}`, ...attributes });
  return [el("label", { for: input.id, text: label }), input];
}

// ---- Chatrooms ------------------------------------------------------------------------------------------------

async function loadRooms() {
  state.rooms = await all("chatrooms/");
  renderRooms();
}

function activity(room) {
  return room.last_activity_at || room.created_at || "";
}

function renderRooms() {
  const rooms = [...state.rooms].sort((a, b) => activity(b).localeCompare(activity(a)));
  $("chatrooms").replaceChildren(
    ...rooms.map((room) => {
      const open = state.room && state.room.id === room.id;
      const link = el("a", { href: `/chat/${room.id}/`, "aria-current": open ? "page" : null }, room.name);
      link.addEventListener("click", (event) => {
        event.preventDefault();
        openRoom(room.id, { push: true });
      });
      if (room.unread && !open) {
        link.append(el("span", { class: "unread", text: String(room.unread), "aria-label": `${room.unread} unread` }));
      }
      return el("li", {}, link);
    }),
  );
}

async function openRoom(chatroomId, { push = false } = {}) {
  const room = state.rooms.find((candidate) => candidate.id === chatroomId);
  if (!room) {
    state.room = null;
    state.channel = null;
    status("That chatroom is not one of yours.");
    showRoom(false);
    return;
  }
  state.room = room;
  if (push) history.pushState({ chatroomId }, "", `/chat/${chatroomId}/`);
  document.title = `${room.name} · chatsite`;
  $("room-name").textContent = room.name;
  showRoom(true);
  closeSearch();
  let channels, participants;
  try {
    [channels, participants] = await Promise.all([
      all("channels/", { chatroom: chatroomId }),
      all("participants/", { chatroom: chatroomId }),
    ]);
  } catch (error) {
    // A server that is briefly unavailable (a restart, its database busy): say so, and try again shortly.
    report(error);
    setTimeout(() => {
      if (state.room && state.room.id === chatroomId) openRoom(chatroomId);
    }, 2000);
    return;
  }
  if (!state.room || state.room.id !== chatroomId) return; // another chatroom was opened meanwhile
  state.channels = channels;
  state.participants = participants;
  renderParticipants();
  const channel = channels.find((c) => c.is_default && c.permissions.r) || channels[0] || null;
  await openChannel(channel);
  room.unread = 0;
  renderRooms();
}

function showRoom(shown) {
  $("room").hidden = !shown;
  $("people").hidden = !shown;
  $("empty").hidden = shown;
  $("new-channel").hidden = !(shown && isModerator());
}

// ---- Channels -------------------------------------------------------------------------------------------------

function renderChannels() {
  $("channels").replaceChildren(
    ...state.channels.map((channel) => {
      const open = state.channel && state.channel.id === channel.id;
      const button = el(
        "button",
        { type: "button", class: "channel", "aria-current": open ? "true" : null, onclick: () => openChannel(channel) },
        `# ${channel.name}`,
      );
      if (!channel.public) button.append(el("span", { class: "private", text: " (private)" }));
      return el("li", {}, button);
    }),
  );
  $("new-channel").hidden = !isModerator();
  $("channel-settings").hidden = !(isModerator() && state.channel);
}

async function openChannel(channel) {
  state.channel = channel;
  renderChannels();
  renderComposer();
  $("messages").replaceChildren();
  state.older = null;
  if (!channel) return;
  const page = await api("messages/", {
    params: { chatroom: state.room.id, channel: channel.id, page_size: PAGE_SIZE },
  });
  if (state.channel !== channel) return;
  state.older = page.previous;
  for (const message of page.results) upsertMessage(message);
  // What is still being sent (or failed) into this channel stays at the bottom, with its Retry.
  for (const [id, pending] of state.pending) {
    if (pending.channel === channel.id && !findArticle(id)) showPending(id, pending);
  }
  scrollToBottom();
  markRead(page.results);
}

function renderComposer() {
  const channel = state.channel;
  const writable = Boolean(channel && channel.permissions.w);
  $("message-input").disabled = !writable;
  $("send").disabled = !writable;
  $("composer-note").textContent = !channel
    ? "This chatroom has no channel you can read."
    : writable
      ? ""
      : `You may read #${channel.name} but not write in it: its admins decide who may.`;
}

// ---- Messages -------------------------------------------------------------------------------------------------

function authorName(message) {
  return message.author ? message.author.name : "chatsite";
}

function messageElement(message) {
  const mine = message.author && message.author.id === state.me;
  const body = el("div", { class: "body" });
  // The server's sanitised HTML for this message (never anything the client built from user text).
  body.innerHTML = message.html;
  const header = el(
    "header",
    {},
    el("span", { class: "author", text: authorName(message) }),
    " ",
    el("time", { datetime: message.sent_at, text: timeOf(message.sent_at) }),
    message.edited_at ? el("span", { class: "edited", text: " (edited)" }) : null,
  );
  const actions = el("div", { class: "actions" });
  if (mine && message.kind === "text") {
    actions.append(el("button", { type: "button", text: "Edit", onclick: () => editMessage(message) }));
  }
  if (mine || (isModerator() && message.kind === "text")) {
    actions.append(el("button", { type: "button", text: "Delete", onclick: () => deleteMessage(message) }));
  }
  const article = el(
    "article",
    { class: `message ${message.kind}${mine ? " mine" : ""}`, "data-id": message.id, "aria-label": authorName(message) },
    header,
    body,
    actions,
  );
  return article;
}

function findArticle(id) {
  return $("messages").querySelector(`article[data-id="${CSS.escape(id)}"]`);
}

function upsertMessage(message, { prepend = false } = {}) {
  if (!state.channel || message.channel !== state.channel.id) return;
  const existing = findArticle(message.id);
  const article = messageElement(message);
  state.pending.delete(message.id);
  if (existing) {
    existing.replaceWith(article);
  } else if (prepend) {
    $("messages").prepend(article);
  } else {
    // Keep the log in send order even when a stream event and a page answer cross.
    const later = [...$("messages").children].find(
      (node) => !node.classList.contains("pending") && node.querySelector("time").dateTime > message.sent_at,
    );
    $("messages").insertBefore(article, later || firstPending());
  }
}

function firstPending() {
  return $("messages").querySelector("article.pending");
}

function removeMessage(id) {
  const article = findArticle(id);
  if (article) article.remove();
}

function nearBottom() {
  const log = $("messages");
  return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
}

function scrollToBottom() {
  const log = $("messages");
  log.scrollTop = log.scrollHeight;
}

async function loadOlder() {
  if (!state.older || state.loadingOlder) return;
  state.loadingOlder = true;
  const channel = state.channel;
  const log = $("messages");
  try {
    const page = await api(state.older);
    if (state.channel !== channel) return;
    const height = log.scrollHeight;
    for (const message of [...page.results].reverse()) upsertMessage(message, { prepend: true });
    log.scrollTop += log.scrollHeight - height; // keep what the person was reading in place
    state.older = page.previous;
  } catch (error) {
    report(error);
  } finally {
    state.loadingOlder = false;
  }
}

let readTimer = null;
function markRead(messages) {
  const newest = messages[messages.length - 1];
  if (!newest || !state.room) return;
  const chatroomId = state.room.id;
  clearTimeout(readTimer);
  readTimer = setTimeout(() => {
    api(`chatrooms/${chatroomId}/read/`, { method: "POST", body: { message: newest.id } }).catch(() => {});
  }, 500);
}

// ---- Sending, with a pending state until the server confirms the client-chosen id -----------------------------

function pendingElement(id, text) {
  return el(
    "article",
    { class: "message text mine pending", "data-id": id, "aria-label": "Sending" },
    el("header", {}, el("span", { class: "author", text: "You" }), " ", el("span", { class: "state", text: "Sending…" })),
    el("div", { class: "body", text }),
  );
}

function showPending(id, pending) {
  $("messages").append(pendingElement(id, pending.text));
  if (pending.failure) markFailed(id, pending.failure);
}

function markFailed(id, reason) {
  const node = findArticle(id);
  // Only a message still waiting can fail: the stream may have shown the stored one already.
  if (!node || !node.classList.contains("pending")) return;
  node.classList.add("failed");
  node.querySelector(".state").textContent = `Not sent: ${reason}`;
  node.append(el("button", { type: "button", class: "retry", text: "Retry", onclick: () => send(id) }));
}

async function send(id) {
  const pending = state.pending.get(id);
  pending.failure = null;
  const article = findArticle(id);
  if (article && article.classList.contains("pending")) {
    article.classList.remove("failed");
    article.querySelector(".state").textContent = "Sending…";
    const retry = article.querySelector("button.retry");
    if (retry) retry.remove();
  }
  try {
    const stored = await api("messages/", {
      method: "POST",
      body: {
        id,
        chatroom: pending.chatroom,
        channel: pending.channel,
        body: pending.text,
        mentions: pending.mentions,
      },
    });
    state.pending.delete(id);
    const node = findArticle(id);
    if (node && node.classList.contains("pending")) node.remove();
    upsertMessage(stored);
    scrollToBottom();
  } catch (error) {
    if (findArticle(id) && !findArticle(id).classList.contains("pending")) {
      state.pending.delete(id); // the stream showed it stored: only the answer was lost
      return;
    }
    pending.failure = error.message;
    markFailed(id, error.message);
  }
}

function submitComposer() {
  const input = $("message-input");
  const text = input.value.trim();
  if (!text || !state.channel || input.disabled) return;
  const id = crypto.randomUUID();
  const mentions = [...state.mentions.entries()]
    .filter(([username]) => text.includes(`@${username}`))
    .map(([, userId]) => userId);
  const pending = { chatroom: state.room.id, channel: state.channel.id, text, mentions, failure: null };
  state.pending.set(id, pending);
  showPending(id, pending);
  scrollToBottom();
  input.value = "";
  state.mentions.clear();
  closeMentions();
  send(id);
}

// ---- Editing and deleting -------------------------------------------------------------------------------------

function editMessage(message) {
  const article = findArticle(message.id);
  if (!article || article.querySelector("form.edit")) return;
  const input = el("textarea", { "aria-label": "Edit message", rows: "2" });
  input.value = message.body;
  const close = () => {
    form.remove();
    const again = findArticle(message.id);
    const edit = again && again.querySelector(".actions button");
    if (edit) edit.focus();
  };
  const form = el(
    "form",
    { class: "edit" },
    input,
    el("button", { type: "submit", text: "Save" }),
    el("button", { type: "button", text: "Cancel", onclick: close }),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const stored = await api(`messages/${message.id}/`, {
        method: "PATCH",
        body: { body: input.value, format: message.format },
      });
      upsertMessage(stored);
      close();
    } catch (error) {
      report(error);
    }
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") close();
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  article.append(form);
  input.focus();
}

function deleteMessage(message) {
  dialog({
    title: "Delete this message?",
    body: [el("p", { text: message.text })],
    ok: "Delete",
    onOk: async () => {
      await api(`messages/${message.id}/`, { method: "DELETE" });
      removeMessage(message.id);
      $("messages").focus();
    },
  });
}

// ---- Mentions: "@" opens a list of participants ---------------------------------------------------------------

function mentionQuery() {
  const input = $("message-input");
  const before = input.value.slice(0, input.selectionStart);
  const match = /(^|\s)@([\p{L}\p{N}_.+-]*)$/u.exec(before);
  return match ? match[2] : null;
}

function mentionCandidates(query) {
  const lowered = query.toLowerCase();
  return state.participants
    .filter((p) => p.state === "active" && p.user.id !== state.me)
    .filter((p) => p.user.username.toLowerCase().startsWith(lowered) || p.user.name.toLowerCase().startsWith(lowered))
    .slice(0, 8);
}

function renderMentions() {
  const query = mentionQuery();
  const list = $("mention-list");
  const candidates = query === null ? [] : mentionCandidates(query);
  if (!candidates.length) {
    closeMentions();
    return;
  }
  state.mentionIndex = Math.min(state.mentionIndex, candidates.length - 1);
  list.replaceChildren(
    ...candidates.map((p, index) =>
      el(
        "li",
        {
          role: "option",
          id: `mention-${index}`,
          "aria-selected": index === state.mentionIndex ? "true" : "false",
          onmousedown: (event) => {
            event.preventDefault();
            pickMention(p);
          },
        },
        `${p.user.name} (@${p.user.username})`,
      ),
    ),
  );
  list.hidden = false;
  list.candidates = candidates;
  $("message-input").setAttribute("aria-controls", "mention-list");
  $("message-input").setAttribute("aria-activedescendant", `mention-${state.mentionIndex}`);
}

function closeMentions() {
  $("mention-list").hidden = true;
  $("mention-list").candidates = [];
  state.mentionIndex = 0;
  $("message-input").removeAttribute("aria-activedescendant");
}

function pickMention(participant) {
  const input = $("message-input");
  const caret = input.selectionStart;
  const before = input.value.slice(0, caret).replace(/@[\p{L}\p{N}_.+-]*$/u, `@${participant.user.username} `);
  input.value = before + input.value.slice(caret);
  input.selectionStart = input.selectionEnd = before.length;
  state.mentions.set(participant.user.username, participant.user.id);
  closeMentions();
  input.focus();
}

// ---- Participants ---------------------------------------------------------------------------------------------

function renderParticipants() {
  const order = { online: 0, away: 1, offline: 2, none: 3 };
  const shown = state.participants
    .filter((p) => p.state === "active")
    .sort((a, b) => (order[a.presence] ?? 9) - (order[b.presence] ?? 9) || a.user.name.localeCompare(b.user.name));
  $("participants").replaceChildren(
    ...shown.map((p) =>
      el(
        "li",
        { class: `presence-${p.presence}` },
        el("span", { class: "dot", "aria-hidden": "true" }),
        el("span", { class: "name", text: p.user.name }),
        p.role !== "member" ? el("span", { class: "role", text: ` ${p.role}` }) : null,
        el("span", { class: "visually-hidden", text: `, ${p.presence}` }),
      ),
    ),
  );
}

async function reloadParticipants() {
  if (!state.room) return;
  state.participants = await all("participants/", { chatroom: state.room.id });
  renderParticipants();
}

// ---- Chatroom actions -----------------------------------------------------------------------------------------

function newChatroom() {
  const [label, input] = field("Name", { required: true, maxlength: "100" });
  dialog({
    title: "New chatroom",
    body: [label, input],
    ok: "Create",
    onOk: async () => {
      const room = await api("chatrooms/", { method: "POST", body: { name: input.value } });
      await loadRooms();
      await openRoom(room.id, { push: true });
    },
  });
}

function renameChatroom() {
  const [label, input] = field("Name", { required: true, value: state.room.name });
  dialog({
    title: "Rename the chatroom",
    body: [label, input],
    ok: "Rename",
    onOk: async () => {
      const room = await api(`chatrooms/${state.room.id}/`, { method: "PATCH", body: { name: input.value } });
      applyRename(room.id, room.name);
    },
  });
}

function applyRename(chatroomId, name) {
  const room = state.rooms.find((r) => r.id === chatroomId);
  if (room) room.name = name;
  if (state.room && state.room.id === chatroomId) {
    $("room-name").textContent = name;
    document.title = `${name} · chatsite`;
  }
  renderRooms();
}

function leaveChatroom() {
  dialog({
    title: `Leave ${state.room.name}?`,
    body: [el("p", { text: "You will need a new invitation to come back." })],
    ok: "Leave",
    onOk: async () => {
      await api(`chatrooms/${state.room.id}/leave/`, { method: "POST", body: {} });
      forgetRoom(state.room.id);
    },
  });
}

function forgetRoom(chatroomId) {
  state.rooms = state.rooms.filter((r) => r.id !== chatroomId);
  if (state.room && state.room.id === chatroomId) {
    state.room = null;
    state.channel = null;
    history.pushState({}, "", "/");
    document.title = "chatsite";
    showRoom(false);
  }
  renderRooms();
}

function invite() {
  const chatroomId = state.room.id;
  const [label, search] = field("Find people", { type: "search", autocomplete: "off" });
  const results = el("ul", { class: "picks", "aria-label": "People to invite" });
  const link = el("input", { readonly: true, "aria-label": "Invite link", class: "link-field" });
  const linkButton = el("button", {
    type: "button",
    text: "Create an invite link",
    onclick: async () => {
      try {
        const created = await api("invites/", { method: "POST", body: { chatroom: chatroomId, uses: 10 } });
        link.value = `${location.origin}/join/${created.id}`;
        link.hidden = false;
        link.select();
      } catch (error) {
        $("dialog-error").textContent = error.message;
      }
    },
  });
  link.hidden = true;
  let timer = null;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const users = await all("users/", { chatroom: chatroomId, purpose: "invite", search: search.value });
      results.replaceChildren(
        ...users.map((user) =>
          el(
            "li",
            {},
            el("span", { text: `${user.name} (@${user.username}) ` }),
            el("button", {
              type: "button",
              text: `Add ${user.username}`,
              onclick: async (event) => {
                try {
                  await api("participants/", { method: "POST", body: { chatroom: chatroomId, user: user.id } });
                  event.target.replaceWith(el("span", { class: "done", text: "added" }));
                  reloadParticipants();
                } catch (error) {
                  $("dialog-error").textContent = error.message;
                }
              },
            }),
          ),
        ),
      );
    }, 200);
  });
  dialog({ title: `Invite to ${state.room.name}`, body: [label, search, results, linkButton, link] });
}

function newChannel() {
  const [label, input] = field("Name", { required: true });
  const [publicLabel, publicBox] = field("Everyone in the chatroom may read and write", { type: "checkbox" });
  publicBox.checked = true;
  dialog({
    title: "New channel",
    body: [label, input, el("p", { class: "check" }, publicBox, publicLabel)],
    ok: "Create",
    onOk: async () => {
      const channel = await api("channels/", {
        method: "POST",
        body: { chatroom: state.room.id, name: input.value, public: publicBox.checked },
      });
      state.channels.push(channel);
      await openChannel(channel);
    },
  });
}

function channelSettings() {
  const channel = state.channel;
  const [label, input] = field("Name", { required: true, value: channel.name });
  const [publicLabel, publicBox] = field("Everyone in the chatroom may read and write", { type: "checkbox" });
  publicBox.checked = channel.public;
  dialog({
    title: `Channel #${channel.name}`,
    body: [label, input, el("p", { class: "check" }, publicBox, publicLabel)],
    ok: "Save",
    onOk: async () => {
      const changed = await api(`channels/${channel.id}/`, {
        method: "PATCH",
        body: { chatroom: state.room.id, name: input.value, public: publicBox.checked },
      });
      Object.assign(channel, changed);
      renderChannels();
    },
  });
}

// ---- Search ---------------------------------------------------------------------------------------------------

async function search(query) {
  if (!query.trim()) return closeSearch();
  try {
    const page = await api("messages/", { params: { chatroom: state.room.id, q: query, page_size: 50 } });
    const list = $("search-list");
    list.replaceChildren(
      ...page.results.map((message) => {
        const body = el("div", { class: "body" });
        body.innerHTML = message.html; // the server's sanitised HTML
        return el(
          "li",
          {},
          el("article", { class: "message" }, el("header", {}, el("span", { class: "author", text: authorName(message) }), " ", el("time", { datetime: message.sent_at, text: timeOf(message.sent_at) })), body),
        );
      }),
    );
    if (!page.results.length) list.append(el("li", { class: "none", text: "No message matches." }));
    $("search-results").hidden = false;
  } catch (error) {
    report(error);
  }
}

function closeSearch() {
  $("search-results").hidden = true;
  $("search-list").replaceChildren();
}

// ---- Live: the event stream ------------------------------------------------------------------------------------

let roomsTimer = null;
function reloadRoomsSoon() {
  // The server counts what is unread (its default channel, after the read marker): ask it, at most once a second.
  clearTimeout(roomsTimer);
  roomsTimer = setTimeout(() => loadRooms().catch(() => {}), 1000);
}

function onEvent(type, data, chatroomId) {
  const here = state.room && state.room.id === chatroomId;
  const onScreen = here && state.channel && data && data.channel === state.channel.id;
  const [kind] = type.split(".");
  const mine = Boolean(data && data.user && data.user.id === state.me);
  if (type === "message.posted" || type === "message.edited" || type === "message.unhidden") {
    if (onScreen) {
      const bottom = nearBottom();
      upsertMessage(data);
      if (bottom) scrollToBottom();
      markRead([data]);
    }
    const room = state.rooms.find((r) => r.id === chatroomId);
    if (room && type === "message.posted") {
      room.last_activity_at = data.sent_at;
      if (!onScreen) reloadRoomsSoon();
    }
    renderRooms();
  } else if (type === "message.deleted" || type === "message.hidden") {
    if (here) removeMessage(data.id);
  } else if (type === "chatroom.renamed") {
    applyRename(chatroomId, data.name);
  } else if (type === "presence.changed") {
    const known = here && state.participants.find((p) => p.id === data.id);
    if (known) {
      Object.assign(known, data);
      renderParticipants();
    }
  } else if (kind === "participant") {
    if (mine && ["participant.left", "participant.banned"].includes(type)) {
      forgetRoom(chatroomId);
    } else if (mine && type === "participant.joined") {
      loadRooms();
    } else if (mine && type === "participant.role_changed") {
      loadRooms().then(() => {
        if (here) {
          state.room = state.rooms.find((r) => r.id === chatroomId) || state.room;
          renderChannels();
        }
      });
    }
    if (here) applyParticipant(type, data);
  } else if (kind === "channel") {
    if (here) applyChannel(data);
  }
}

// The events carry the changed rows as v1 shows them: applied in place, with nothing read again.
function applyParticipant(type, data) {
  const others = state.participants.filter((p) => p.id !== data.id);
  const gone = type === "participant.left" || (type === "participant.banned" && !isModerator());
  state.participants = gone ? others : [...others, { presence: "none", ...data }];
  renderParticipants();
}

function applyChannel(data) {
  const known = state.channels.find((c) => c.id === data.id);
  if (!data.permissions || !data.permissions.r) {
    state.channels = state.channels.filter((c) => c.id !== data.id);
  } else if (known) {
    Object.assign(known, data);
  } else {
    state.channels.push(data);
  }
  const current = state.channel && state.channels.find((c) => c.id === state.channel.id);
  renderChannels();
  if (current) {
    state.channel = current;
    renderComposer();
  } else {
    openChannel(state.channels.find((c) => c.is_default) || state.channels[0] || null);
  }
}

async function resync() {
  await loadRooms();
  if (state.room && state.rooms.some((r) => r.id === state.room.id)) {
    await openRoom(state.room.id);
  } else if (state.room) {
    forgetRoom(state.room.id);
  }
}

// ---- Wiring ---------------------------------------------------------------------------------------------------

function wire() {
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    submitComposer();
  });
  const input = $("message-input");
  input.addEventListener("keydown", (event) => {
    const list = $("mention-list");
    if (!list.hidden && list.candidates && list.candidates.length) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        state.mentionIndex = (state.mentionIndex + step + list.candidates.length) % list.candidates.length;
        renderMentions();
        return;
      }
      if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        pickMention(list.candidates[state.mentionIndex]);
        return;
      }
      if (event.key === "Escape") {
        closeMentions();
        return;
      }
    }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submitComposer();
    }
  });
  input.addEventListener("input", renderMentions);
  input.addEventListener("blur", () => setTimeout(closeMentions, 150));
  $("messages").addEventListener("scroll", () => {
    if ($("messages").scrollTop < 120) loadOlder();
  });
  $("new-chatroom").addEventListener("click", newChatroom);
  $("people-toggle").addEventListener("click", () => {
    const open = $("people").classList.toggle("open");
    $("people-toggle").setAttribute("aria-expanded", String(open));
  });
  $("rename").addEventListener("click", renameChatroom);
  $("leave").addEventListener("click", leaveChatroom);
  $("invite").addEventListener("click", invite);
  $("new-channel").addEventListener("click", newChannel);
  $("channel-settings").addEventListener("click", channelSettings);
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    search($("search").value);
  });
  $("search").addEventListener("search", () => search($("search").value));
  $("search-close").addEventListener("click", () => {
    $("search").value = "";
    closeSearch();
  });
  window.addEventListener("popstate", () => {
    const match = /^\/chat\/([0-9a-f-]{36})\/$/.exec(location.pathname);
    if (match) openRoom(match[1]);
    else forgetRoomView();
  });
}

function forgetRoomView() {
  state.room = null;
  state.channel = null;
  showRoom(false);
  renderRooms();
}

async function start() {
  wire();
  const types = (document.body.dataset.eventTypes || "").split(" ").filter(Boolean);
  // Listening starts before the first reads, so that nothing changing meanwhile is missed.
  new Stream({ types, onEvent, onResync: resync, onStatus: status }).start();
  try {
    await loadRooms();
  } catch (error) {
    report(error);
    return;
  }
  const chatroomId = document.body.dataset.chatroom;
  if (chatroomId) await openRoom(chatroomId);
  else showRoom(false);
}

start();
