// @ts-check
/** The widget's texts; `language` picks a set, `strings` in the options overrides any. */

const en = {
  launcher: "Chat with us",
  unread: (/** @type {number} */ n) => `${n} unread message${n === 1 ? "" : "s"}`,
  close: "Close chat",
  end: "End chat",
  messageLabel: "Your message",
  placeholder: "Type your message\u2026",
  send: "Send",
  conversation: "Conversation",
  suggested: "Suggested replies",
  connecting: "Connecting\u2026",
  offline: (/** @type {number} */ s) => `Offline. Reconnecting in ${s} s\u2026`,
  typing: "The assistant is typing\u2026",
  agentTyping: "Typing\u2026",
  you: "You",
  assistant: "Assistant",
  queued: (/** @type {number | undefined} */ p, /** @type {number | undefined} */ w) =>
    `Waiting for a person${p ? `: you are number ${p} in the queue` : ""}${w ? `, about ${w} min` : ""}.`,
  agentJoined: (/** @type {string | undefined} */ name) => `${name || "A person"} from our team has joined.`,
  ticket: "Outside business hours: we have created a ticket and will email you.",
  newConversation: "A new conversation has started.",
  tooLong: (/** @type {number} */ n) => `Your message was cut to ${n} characters.`,
  limitIs: (/** @type {number} */ n) => `That message is too long; the limit is ${n} characters.`,
  empty: "Please type a message first.",
  sendFailed: "Sorry, that message could not be sent. Please try again.",
  notDelivered: "Not delivered \u2014 tap to retry",
  notDeliveredAlert: (/** @type {string} */ text) => `Your message \u201c${text}\u201d was not delivered.`,
  rateTitle: "How was this conversation?",
  rateScale: ["Very poor", "Poor", "OK", "Good", "Excellent"],
  comment: "Anything to add? (optional)",
  sendRating: "Send rating",
  skip: "Skip",
  thanks: "Thank you for your feedback!",
  startNew: "Start a new conversation",
  image: "Image from the assistant",
  npsQuestion: "How likely are you to recommend us to a friend? (0 = not at all, 10 = extremely)",
  npsThanks: "Thank you!",
  disclosure: "You are chatting with an automated assistant. A person from our team can take over at any time: just ask.",
  privacyNotice: "How we use your data",
  myChat: "Your chat",
  download: "Download my chat",
  delete: "Delete my chat",
  deleteQuestion: "Delete this conversation for good? We keep no copy, and it cannot be undone.",
  deleteYes: "Delete",
  cancel: "Cancel",
  deleted: "Your conversation was deleted. This is a new one.",
  downloadFailed: "Your chat could not be downloaded. Please try again.",
  deleteFailed: "Your chat could not be deleted. Please try again.",
  deleteByPerson: "This chat cannot be deleted here. Ask us in the chat and a person will delete it for you.",
  signInAgain: "Your sign-in has expired. Please reload the page and try again.",
};

/** @typedef {typeof en} Strings */

/** @type {Record<string, Strings>} */
const LANGUAGES = {
  en,
  de: {
    ...en,
    launcher: "Chat mit uns",
    unread: (n) => `${n} ungelesene Nachricht${n === 1 ? "" : "en"}`,
    close: "Chat schlie\u00dfen",
    end: "Chat beenden",
    messageLabel: "Ihre Nachricht",
    placeholder: "Nachricht eingeben\u2026",
    send: "Senden",
    conversation: "Unterhaltung",
    connecting: "Verbinde\u2026",
    offline: (s) => `Offline. Neuer Versuch in ${s} s\u2026`,
    typing: "Der Assistent schreibt\u2026",
    ticket: "Au\u00dferhalb der Gesch\u00e4ftszeiten: Wir haben ein Ticket erstellt und melden uns per E-Mail.",
    rateTitle: "Wie war diese Unterhaltung?",
    npsQuestion: "Wie wahrscheinlich empfehlen Sie uns weiter? (0 = gar nicht, 10 = sehr)",
    npsThanks: "Danke!",
    disclosure:
      "Sie chatten mit einem automatischen Assistenten. Eine Person aus unserem Team kann jederzeit \u00fcbernehmen: fragen Sie einfach.",
    privacyNotice: "Wie wir Ihre Daten verwenden",
    myChat: "Ihr Chat",
    download: "Meinen Chat herunterladen",
    delete: "Meinen Chat l\u00f6schen",
    deleteQuestion:
      "Diese Unterhaltung endg\u00fcltig l\u00f6schen? Wir behalten keine Kopie, und es l\u00e4sst sich nicht r\u00fcckg\u00e4ngig machen.",
    deleteYes: "L\u00f6schen",
    cancel: "Abbrechen",
    deleted: "Ihre Unterhaltung wurde gel\u00f6scht. Dies ist eine neue.",
    downloadFailed: "Ihr Chat konnte nicht heruntergeladen werden. Bitte versuchen Sie es erneut.",
    deleteFailed: "Ihr Chat konnte nicht gel\u00f6scht werden. Bitte versuchen Sie es erneut.",
    deleteByPerson:
      "Dieser Chat kann hier nicht gel\u00f6scht werden. Fragen Sie uns im Chat, dann l\u00f6scht ihn eine Person f\u00fcr Sie.",
    signInAgain: "Ihre Anmeldung ist abgelaufen. Bitte laden Sie die Seite neu und versuchen Sie es erneut.",
    sendRating: "Bewertung senden",
    skip: "\u00dcberspringen",
    thanks: "Danke f\u00fcr Ihr Feedback!",
    startNew: "Neue Unterhaltung beginnen",
    notDelivered: "Nicht zugestellt \u2014 zum Wiederholen tippen",
    notDeliveredAlert: (text) => `Ihre Nachricht \u201e${text}\u201c wurde nicht zugestellt.`,
  },
};

/**
 * @param {string | undefined} language e.g. "de" or "de-AT"
 * @param {Partial<Strings>} [overrides]
 * @returns {Strings}
 */
export function stringsFor(language, overrides = {}) {
  const base = LANGUAGES[(language || "en").toLowerCase().split("-")[0]] || en;
  return { ...base, ...overrides };
}
