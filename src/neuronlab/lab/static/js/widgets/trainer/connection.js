// The trainer's connection to its session, as one state machine driven by what the server says.
//
//   connecting ──config──▶ ready ──status running──▶ training ──status stopped──▶ paused
//        │                   ▲                            ▲  ◀──status running──────┘
//        │ busy              └──────── config ────────────┴─ (config keeps the state)
//        ▼
//      busy            any connected state ──socket lost──▶ reconnecting ──config──▶ ready
//
// A state changes only on a server message (a "config" taken, a "status", a busy refusal) or on
// the socket closing; nothing is guessed from time. Train works in "ready" and "paused" (the
// session has data and a network), Pause in "training"; the page reads `can()` for the rest.

const TRANSITIONS = {
  connecting: { configured: "ready", started: "training", busy: "busy", lost: "reconnecting" },
  reconnecting: { configured: "ready", started: "training", busy: "busy", lost: "reconnecting" },
  ready: { started: "training", lost: "reconnecting", busy: "busy" },
  training: { stopped: "paused", lost: "reconnecting", busy: "busy" },
  paused: { started: "training", lost: "reconnecting", busy: "busy" },
  busy: {},
};

// What the learner may do in each state: send a command that the session will act on.
const ALLOWED = {
  train: ["ready", "paused"],
  pause: ["training"],
  step: ["ready", "paused", "training"],
  command: ["ready", "paused", "training"], // reset, reseed, regenerate, load a model
};

export const STATES = Object.keys(TRANSITIONS);

export class Connection {
  /** `onChange(state, previous)` runs after every change of state. */
  constructor(onChange) {
    this.state = "connecting";
    this.onChange = onChange;
  }

  /** Apply an event ("configured", "started", "stopped", "lost", "busy"); an event without a
   * transition from the current state leaves it as it is (a second "config" while training). */
  on(event) {
    const next = TRANSITIONS[this.state][event];
    if (!next || next === this.state) return this.state;
    const previous = this.state;
    this.state = next;
    this.onChange(next, previous);
    return next;
  }

  /** Whether `action` ("train", "pause", "step", "command") is one the session acts on now. */
  can(action) {
    return ALLOWED[action].includes(this.state);
  }

  /** Connected to a session that has taken a configuration. */
  get live() {
    return this.can("command");
  }
}
