// @ts-check
/**
 * The widget's DOM: a launcher with an unread badge and a dialog panel with a connection
 * status, a handoff banner, a signed-in customer's "my chat" bar (download, delete with its
 * confirmation), the message log (opening with the disclosure), a typing indicator, a
 * notice line, the rating form and the message form. Built once; the controller (widget.js) only toggles it.
 */
import { button, el } from "./dom.js";

/** @typedef {ReturnType<typeof buildView>} View */

/**
 * @param {import("./strings.js").Strings} t
 * @param {{title: string, position: "left" | "right", language: string, maxLength: number}} o
 */
export function buildView(t, o) {
  const root = el("div", `cim-chat cim-chat--${o.position}`);
  root.lang = o.language;
  const panel = el("section", "cim-panel");
  panel.id = "cim-panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-labelledby", "cim-title");
  const header = el("header", "cim-header");
  const title = el("h2", "cim-title", o.title);
  title.id = "cim-title";
  const end = button(t.end, "cim-end");
  const close = button("\u00d7", "cim-close");
  close.setAttribute("aria-label", t.close);
  header.append(title, end, close);
  const status = el("p", "cim-status");
  status.setAttribute("role", "status");
  status.hidden = true;
  const banner = el("p", "cim-banner");
  banner.setAttribute("role", "status");
  banner.hidden = true;
  const log = el("ol", "cim-messages");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "off"); // `live` announces new messages, not restored history
  log.setAttribute("aria-label", t.conversation);
  log.tabIndex = 0; // scrollable with the keyboard
  const typing = el("p", "cim-typing");
  typing.append(el("span", "cim-dots"), el("span", "cim-typing-text", t.typing));
  typing.hidden = true;
  const live = el("div", "cim-visually-hidden");
  live.setAttribute("aria-live", "polite");
  const notice = el("p", "cim-notice");
  notice.setAttribute("role", "alert");
  notice.hidden = true;
  const rating = buildRating(t);
  const compose = buildForm(t, o.maxLength);
  const myChat = buildMyChat(t);
  panel.append(header, status, banner, myChat.bar, myChat.confirm, log, typing, live, notice, rating.form, compose.form);
  const badge = el("span", "cim-badge");
  badge.hidden = true;
  badge.setAttribute("aria-hidden", "true");
  const launcher = button("", "cim-launcher");
  launcher.append(el("span", "cim-launcher-text", t.launcher), badge);
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "cim-panel");
  root.append(panel, launcher);
  return { root, panel, end, close, status, banner, myChat, log, typing, live, notice, rating, compose, launcher, badge };
}

/** The disclosure a new chat opens with: who answers, and the shop's privacy notice. */
/** @param {import("./strings.js").Strings} t @param {string | null} privacyUrl @returns {HTMLLIElement} */
export function buildDisclosure(t, privacyUrl) {
  const item = el("li", "cim-disclosure");
  item.append(el("p", "cim-disclosure-text", t.disclosure));
  if (privacyUrl) {
    const link = el("a", "cim-link cim-privacy", t.privacyNotice);
    link.href = privacyUrl;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    item.append(link);
  }
  return item;
}

/** A signed-in customer's chat: download it, or delete it after a confirmation. */
/** @param {import("./strings.js").Strings} t */
function buildMyChat(t) {
  const bar = el("div", "cim-mychat");
  bar.setAttribute("role", "group");
  bar.setAttribute("aria-label", t.myChat);
  bar.hidden = true;
  const download = button(t.download, "cim-mychat-button cim-download");
  const remove = button(t.delete, "cim-mychat-button cim-delete");
  bar.append(download, remove);
  const confirm = el("div", "cim-confirm");
  confirm.setAttribute("role", "alertdialog");
  confirm.hidden = true;
  const question = el("p", "cim-confirm-text", t.deleteQuestion);
  question.id = "cim-confirm-text";
  confirm.setAttribute("aria-labelledby", question.id);
  const yes = button(t.deleteYes, "cim-send cim-confirm-yes");
  const no = button(t.cancel, "cim-skip cim-confirm-no");
  confirm.append(question, yes, no);
  return { bar, download, remove, confirm, yes, no };
}

/** @param {import("./strings.js").Strings} t @param {number} maxLength */
function buildForm(t, maxLength) {
  const form = el("form", "cim-form");
  const label = el("label", "cim-visually-hidden", t.messageLabel);
  label.htmlFor = "cim-input";
  const input = el("textarea", "cim-input");
  input.id = "cim-input";
  input.rows = 2;
  input.placeholder = t.placeholder;
  input.dir = "auto";
  input.setAttribute("aria-describedby", "cim-limit");
  const limit = el("span", "cim-visually-hidden", `${maxLength}`);
  limit.id = "cim-limit";
  const send = el("button", "cim-send", t.send);
  send.type = "submit";
  form.append(label, input, limit, send);
  return { form, input, send };
}

/** @param {import("./strings.js").Strings} t */
function buildRating(t) {
  const form = el("form", "cim-rating");
  form.hidden = true;
  const fieldset = el("fieldset", "cim-scale");
  fieldset.append(el("legend", "cim-rating-title", t.rateTitle));
  t.rateScale.forEach((words, index) => {
    const value = String(index + 1);
    const input = el("input", "cim-visually-hidden");
    input.type = "radio";
    input.name = "cim-rating";
    input.value = value;
    input.id = `cim-rating-${value}`;
    const label = el("label", "cim-star", value);
    label.htmlFor = input.id;
    label.title = words;
    label.append(el("span", "cim-visually-hidden", ` \u2013 ${words}`));
    fieldset.append(input, label);
  });
  const commentLabel = el("label", "cim-comment-label", t.comment);
  commentLabel.htmlFor = "cim-comment";
  const comment = el("textarea", "cim-comment");
  comment.id = "cim-comment";
  comment.rows = 2;
  comment.maxLength = 1000;
  comment.dir = "auto";
  const submit = el("button", "cim-send", t.sendRating);
  submit.type = "submit";
  const skip = button(t.skip, "cim-skip");
  const actions = el("div", "cim-rating-actions");
  actions.append(submit, skip);
  const thanks = el("div", "cim-thanks");
  thanks.hidden = true;
  thanks.tabIndex = -1;
  const again = button(t.startNew, "cim-send cim-again");
  const nps = el("div", "cim-nps");
  nps.hidden = true;
  nps.setAttribute("role", "group");
  const npsQuestion = el("p", "cim-nps-question", t.npsQuestion);
  npsQuestion.id = "cim-nps-question";
  nps.setAttribute("aria-labelledby", npsQuestion.id);
  const npsScores = el("div", "cim-nps-scores");
  /** @type {HTMLButtonElement[]} */
  const npsButtons = [];
  for (let score = 0; score <= 10; score += 1) {
    const choice = button(String(score), "cim-nps-score");
    choice.dataset.score = String(score);
    npsButtons.push(choice);
    npsScores.append(choice);
  }
  const npsThanks = el("p", "cim-nps-thanks", t.npsThanks);
  npsThanks.hidden = true;
  npsThanks.tabIndex = -1;
  nps.append(npsQuestion, npsScores, npsThanks);
  thanks.append(el("p", "", t.thanks), nps, again);
  form.append(fieldset, commentLabel, comment, actions, thanks);
  return { form, fieldset, comment, submit, skip, actions, thanks, again, nps, npsButtons, npsThanks };
}
