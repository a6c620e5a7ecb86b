// The trainer's settings and their exchange with the session: what the page shows (`config`),
// what the session last took (`serverConfig`), and which of the page's changes it has answered.
//
// Each "configure" carries a number (seq) that its answer, a "config" or an "error", brings
// back as reply_to; what the session changes on its own (Re-seed, Regenerate, a loaded
// model) comes without one. While a change is unanswered, a "config" is older than what the
// learner sees: it never replaces the settings, and brings only the seeds the server picked.
// The widget (trainer.js) wires this to the socket, the controls and the alert.

import { clearError, debounce, showError } from "../../api.js";

export class SettingsSync {
  /**
   * `config`: the settings to start from (a link's, or the defaults); `defaults`: the server's;
   * `controls`: the form's fields by name (their labels name refused settings); `error`: the
   * alert; `show()` puts `config` into the controls; `transmit(command)` sends on the socket,
   * false when it is not open; `notConnected()` says so to the learner.
   */
  constructor({ config, defaults, controls, error, show, transmit, notConnected }) {
    this.config = config;
    this.serverConfig = null; // the last configuration the session took
    this.defaults = defaults;
    this.controls = controls;
    this.error = error;
    this.show = show;
    this.transmit = transmit;
    this.notConnected = notConnected;
    this.sent = 0; // the number of the newest "configure" sent (they count up, across connections)
    this.answered = 0; // the newest of them the server has answered
    this.configPending = false; // a change waiting for the debounced "configure"
    this.seedsLate = false; // the server picked seeds while a "configure" with the old ones was on its way
    this.accepted = false; // the server took a configuration on this connection
    this.resent = false; // after a reconnect, the last taken configuration was sent again
    this.refused = false; // the alert shows a refused setting (cleared when one is taken)
    this.fellBack = false; // a link's refused settings were put back to their defaults once
    this.sendConfig = debounce(() => this.flushConfig(), 60);
  }

  /** A change of the learner's that the server has not answered yet. */
  waiting() {
    return this.configPending || this.answered < this.sent;
  }

  change(update) {
    this.config = { ...this.config, ...update };
    this.show();
    this.configPending = true;
    this.sendConfig();
  }

  flushConfig() {
    if (!this.configPending) return;
    this.configPending = false;
    this.send({ type: "configure", config: this.config });
  }

  send(command) {
    // a command never overtakes a change still waiting for its debounce: Train pressed
    // right after a new rate must train with that rate
    if (command.type !== "configure") this.flushConfig();
    const numbered = command.type === "configure" ? { ...command, seq: this.sent + 1 } : command;
    if (!this.transmit(numbered)) {
      this.notConnected();
    } else if (numbered.seq) {
      this.sent = numbered.seq;
    }
  }

  /** A new connection, so a new session: it gets the page's settings. */
  opened() {
    this.configPending = false;
    this.answered = this.sent; // what the lost connection left unanswered never will be
    this.seedsLate = false;
    this.accepted = false; // no configuration taken yet on this connection (a new session)
    this.resent = false;
    this.send({ type: "configure", config: this.config });
  }

  /** The session took a configuration (its "config" message). */
  taken(received) {
    const reply = received.reply_to ?? null;
    if (reply !== null) this.answered = Math.max(this.answered, reply);
    if (this.refused) {
      clearError(this.error); // the server took a configuration: the refusal is over
      this.refused = false;
    }
    this.serverConfig = received.config;
    this.accepted = true;
    this.takeConfig(received.config, reply);
  }

  /**
   * A "config" from the server: the reply to the configure numbered `reply`, or (null) a change
   * the session made on its own. It replaces the page's settings only when nothing the learner
   * changed is unanswered; otherwise it is older than what the page shows.
   */
  takeConfig(received, reply) {
    const seeds = { seed: received.seed, weights_seed: received.weights_seed };
    if (this.waiting()) {
      if (reply === null) {
        // the server picked new seeds (Re-seed, Regenerate): a change still waiting for its
        // debounce carries them; one already sent carries the old ones, so it goes again
        this.config = { ...this.config, ...seeds };
        if (this.answered < this.sent) this.seedsLate = true;
      }
      return; // an answer to an older configure: its seeds are the page's own, or older
    }
    const config = this.config;
    const lost = this.seedsLate && (seeds.seed !== config.seed || seeds.weights_seed !== config.weights_seed);
    this.seedsLate = false;
    if (lost) {
      // the newest configure undid the seeds the server picked: the page's settings go again
      this.configPending = true;
      this.flushConfig();
      return;
    }
    this.config = { ...received };
  }

  /**
   * The session refused a command (an "error" other than busy), already shown in the alert;
   * `typed` holds [control, typed value] of the refused number boxes.
   */
  onRefusal(refusal, typed) {
    const reply = refusal.reply_to ?? null;
    if (reply !== null) this.answered = Math.max(this.answered, reply);
    this.refused = true;
    // another command was refused (a point, a weight): the settings stand. A newer change
    // on its way, or waiting for its debounce, gets its own answer
    if (reply === null || this.waiting()) return;
    this.seedsLate = false;
    if (this.serverConfig) {
      this.config = { ...this.serverConfig }; // the session's settings are what counts
      this.show();
      for (const [control, value] of typed) control.value = value;
      // a new session after a reconnect refused what was typed meanwhile: it has no
      // settings at all yet, so it gets the last ones a session took (once: never a loop)
      if (!this.accepted && !this.resent) {
        this.resent = true;
        this.refused = false; // the refusal stays on show when those settings are taken
        this.send({ type: "configure", config: this.config });
      }
    } else if (JSON.stringify(this.config) !== JSON.stringify(this.defaults)) {
      this.fallBack(refusal);
    }
  }

  /**
   * The link held settings the server refused: the ones it names go back to their defaults
   * and the rest of the link is kept. If it names none, or that was tried already (two
   * settings may be fine alone and not together), every setting goes back to its default.
   */
  fallBack(refusal) {
    const { config, defaults, controls } = this;
    const differs = (field) => JSON.stringify(config[field]) !== JSON.stringify(defaults[field]);
    const named = (refusal.fields || []).filter((field) => field in defaults && differs(field));
    const some = named.length > 0 && !this.fellBack;
    this.fellBack = true;
    // by the controls' labels, with the value each goes back to: "Points (300)"
    const shownDefault = (value) => (Array.isArray(value) ? value.join(", ") || "none" : value);
    const title = (field) => (field === "features" ? "Inputs" : (controls[field]?.labels?.[0]?.textContent ?? field));
    const names = named.map((field) => `${title(field)} (${shownDefault(defaults[field])})`).join(" and ");
    const explanation = some
      ? `The trainer uses the default for ${names} and keeps the link's other settings.`
      : "The link's settings could not be used, so the trainer starts from the defaults.";
    showError(this.error, `${refusal.detail} ${explanation}`);
    this.refused = false; // this explanation stays when the server takes the settings
    const back = Object.fromEntries(named.map((field) => [field, defaults[field]]));
    this.config = some ? { ...config, ...back } : { ...defaults };
    this.show();
    this.send({ type: "configure", config: this.config });
  }
}
