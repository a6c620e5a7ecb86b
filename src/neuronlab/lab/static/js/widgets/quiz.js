// The quiz: five questions over the whole course, one at a time, feedback that explains why,
// and a score at the end. Static content: the questions are words, not computations.

import { writeState } from "../state.js";
import { el, statusLine } from "./controls.js";

export const QUESTIONS = [
  {
    topic: "The perceptron",
    text: "A single perceptron learns the four XOR points with Rosenblatt's rule. What happens?",
    choices: [
      [
        "After a few epochs it settles on a line that gets all four points right.",
        "No such line exists: the two points of each class sit on opposite corners, so any straight line leaves at least one point on the wrong side.",
      ],
      [
        "It never settles: every epoch still has mistakes, because no straight line separates the two classes.",
        "Right. The rule only stops when a whole pass makes no mistake, and for XOR that pass never comes. This is the limit Minsky and Papert made famous; a hidden layer removes it.",
      ],
      [
        "It settles, as long as the learning rate is small enough.",
        "Starting from zero weights, the learning rate only scales w and b, and the line w·x + b = 0 stays where it is. A smaller rate cannot create a line that does not exist.",
      ],
      [
        "The weights grow without limit until they overflow.",
        "The weights keep moving, but they go round in a bounded set: the rule adds and removes the same few points over and over. Nothing overflows; it just never finishes.",
      ],
    ],
    answer: 1,
  },
  {
    topic: "Backpropagation and activations",
    // a question's text may hold an equation: the part that starts with <math> is MathML
    text: [
      "BP2 carries the error back one layer:",
      '<math display="block" aria-label="delta l equals W l plus 1 transposed times delta l plus 1, element by element times f prime of z l"><msup><mi>𝛅</mi><mrow><mo stretchy="false">(</mo><mi>l</mi><mo stretchy="false">)</mo></mrow></msup><mo>=</mo><msup><mrow><mo stretchy="false">(</mo><msup><mi>W</mi><mrow><mo stretchy="false">(</mo><mi>l</mi><mo>+</mo><mn>1</mn><mo stretchy="false">)</mo></mrow></msup><mo stretchy="false">)</mo></mrow><mi>T</mi></msup><msup><mi>𝛅</mi><mrow><mo stretchy="false">(</mo><mi>l</mi><mo>+</mo><mn>1</mn><mo stretchy="false">)</mo></mrow></msup><mo>⊙</mo><mi>f</mi><mo lspace="0" rspace="0">′</mo><mo stretchy="false">(</mo><msup><mi>𝐳</mi><mrow><mo stretchy="false">(</mo><mi>l</mi><mo stretchy="false">)</mo></mrow></msup><mo stretchy="false">)</mo></math>',
      "Why do the first layers of a deep network of sigmoid units often learn very slowly?",
    ],
    choices: [
      [
        "Each layer multiplies the error by σ′(z), which is at most 0.25 (and by Wᵀ), so unless the weights make up for it, little of it is left after several layers.",
        "Right. Going down a layer multiplies the error by Wᵀ and by σ′(z) ≤ 0.25: with weights of ordinary size the product of many such factors shrinks fast. Large weights could offset it, but they push z to where σ′ is nearly 0, or make the error explode instead. Hochreiter analysed the problem in his 1991 thesis; the name “vanishing gradient” came into use later in the 1990s. ReLU's slope is 1 wherever it is active, which is one reason it took over.",
      ],
      [
        "The sigmoid cannot output negative numbers, so the first layers cannot represent anything useful.",
        "Hidden units do not need negative outputs to be useful: the next layer's weights can be negative. The trouble is in the backward pass, not the forward one.",
      ],
      [
        "Backpropagation skips the first layers to save time.",
        "Backpropagation computes a gradient for every weight in every layer (BP3 and BP4 run at each layer). The gradients are just small there.",
      ],
      [
        "The sigmoid's derivative is 1 everywhere, so the error grows at each layer.",
        "σ′(z) = σ(z)(1 − σ(z)) peaks at 0.25 where z = 0 and falls towards 0 on both sides; the error shrinks, it does not grow.",
      ],
    ],
    answer: 0,
  },
  {
    topic: "Loss",
    text: "For one example the network gives the right class a probability of 0.01. Which loss punishes this more?",
    choices: [
      [
        "Squared error, because squaring makes every error bigger.",
        "Squaring makes numbers below 1 smaller. With two classes the squared error of one example is ½[(1 − p)² + (1 − p)²] = (1 − p)², so with the ½ of eq. 6 it can never pass 1.",
      ],
      [
        "Cross-entropy: −log 0.01 ≈ 4.6, and it keeps growing as the probability falls towards 0.",
        "Right. Cross-entropy is unbounded for confident mistakes, and with softmax its error signal is simply p − y, which stays large exactly when the network is confidently wrong.",
      ],
      [
        "Both give the same number for probabilities.",
        "Move the slider in the loss widget: at p = 0.01 cross-entropy is about 4.6 while the squared error is below 1.",
      ],
    ],
    answer: 1,
  },
  {
    topic: "Gradient descent",
    text: "On the bowl f = x² + y² a gradient-descent step multiplies the point by (1 − 2η). What happens with a learning rate η = 1.2?",
    choices: [
      [
        "It reaches the minimum faster than with η = 0.4.",
        "With η = 0.4 each step multiplies the distance by 0.2; with η = 1.2 by −1.4, which is larger than 1 in size. How fast the walk goes depends on the size of 1 − 2η: η = 0.6 gives −0.2, as fast as 0.4 but zig-zagging; η = 0.5 lands in one step; rates nearer 1 are slower; above 1 it diverges.",
      ],
      [
        "It lands exactly on the minimum in one step.",
        "That happens at η = 0.5, where 1 − 2η = 0.",
      ],
      [
        "Each step jumps to the other side and 1.4 times farther out: the walk diverges.",
        "Right. 1 − 2·1.2 = −1.4: the sign flips and the distance grows by 40% a step. Try it in the gradient-descent widget: the path zig-zags off the map.",
      ],
      [
        "It converges, zig-zagging from side to side.",
        "It does zig-zag, because the factor is negative; but it converges only when the factor is smaller than 1 in size, which needs η < 1.",
      ],
    ],
    answer: 2,
  },
  {
    topic: "Overfitting",
    text: "Training loss keeps falling, but validation loss has been rising for fifty epochs. What is going on, and what helps?",
    choices: [
      [
        "The network is underfitting: train it for more epochs.",
        "An underfit network has high training loss too. Here the training loss is low and falling; more epochs would only widen the gap.",
      ],
      [
        "The learning rate is too low: raise it.",
        "A low rate makes both losses fall slowly. A validation loss that rises while the training loss falls points to memorising, not to slowness.",
      ],
      [
        "The network is memorising its training points: add L2 weight decay, stop early at the best validation epoch, or collect more data.",
        "Right. The network fits the noise in its training points, which does not carry over to new ones. L2 keeps the weights small and the boundary smooth; early stopping keeps the weights of the best validation epoch.",
      ],
      [
        "The validation set must be broken: drop it and watch the training loss.",
        "The validation set is what reveals the problem. Without it the training loss would tell you everything is fine.",
      ],
    ],
    answer: 2,
  },
];

// The learner's answers stay in this browser, not in the address like the other widgets'
// settings: a link a teacher shares must not hand out a finished quiz, nor its answer key.
const STORE = "neuronlab.quiz.answers";

function loadAnswers() {
  try {
    return localStorage.getItem(STORE) ?? "";
  } catch {
    return ""; // storage switched off: the quiz still works, it just forgets on reload
  }
}

export function mount(root) {
  writeState("quiz", { answers: null }, { answers: "" }); // an old link's answers: dropped
  // answers so far, one digit per answered question
  let answers = [...loadAnswers()].map(Number).filter((a, i) => i < QUESTIONS.length && a < QUESTIONS[i].choices.length);
  let checked = false;

  const progress = el("p", { class: "w-quiz-progress", "data-readout": "progress" });
  const card = el("div", { class: "w-quiz-card" });
  const feedback = statusLine("w-quiz-feedback");
  const buttons = el("div", { class: "button-row" });
  root.replaceChildren(progress, card, feedback, buttons);

  function save() {
    try {
      localStorage.setItem(STORE, answers.join(""));
    } catch {
      // storage switched off: nothing to keep
    }
  }

  function score() {
    return answers.filter((a, i) => a === QUESTIONS[i].answer).length;
  }

  // moveFocus: called from a button that is about to disappear, so the keyboard focus goes
  // to the new question (or the score) instead of falling back to the top of the page
  function showQuestion(moveFocus = false) {
    const index = answers.length;
    if (index >= QUESTIONS.length) return showScore(moveFocus);
    const q = QUESTIONS[index];
    checked = false;
    progress.textContent = `Question ${index + 1} of ${QUESTIONS.length} · ${q.topic}`;
    const name = `quiz-q${index}`;
    const options = q.choices.map(([text], i) => {
      const id = `${name}-${i}`;
      return el(
        "div",
        { class: "w-quiz-choice" },
        el("input", { type: "radio", name, id, value: String(i) }),
        el("label", { for: id }, text),
      );
    });
    const fieldset = el("fieldset", {}, el("legend", {}, ...questionText(q.text)), ...options);
    card.replaceChildren(fieldset);
    feedback.textContent = "";
    feedback.className = "w-quiz-feedback";
    // always enabled: a disabled button is skipped by Tab, so the keyboard would not find it
    // after the choices; pressed too early, it says what to do
    const check = el("button", { type: "button", class: "primary", "data-action": "check" }, "Check answer");
    check.addEventListener("click", () => {
      const picked = card.querySelector("input:checked");
      if (checked) return;
      if (!picked) {
        feedback.className = "w-quiz-feedback";
        feedback.textContent = "Pick one of the answers first, then check it.";
        card.querySelector("input")?.focus();
        return;
      }
      checked = true;
      const choice = Number(picked.value);
      const right = choice === q.answer;
      for (const input of card.querySelectorAll("input")) input.disabled = true;
      card.querySelectorAll(".w-quiz-choice").forEach((row, i) => {
        if (i === q.answer) row.classList.add("is-answer");
        if (i === choice && !right) row.classList.add("is-wrong");
      });
      feedback.className = `w-quiz-feedback ${right ? "is-right" : "is-wrong"}`;
      const why = q.choices[choice][1];
      feedback.replaceChildren(
        el("strong", {}, right ? "✓ Right. " : "✗ Not quite. "),
        right ? why.replace(/^Right\.\s*/, "") : why,
        right ? "" : el("span", {}, ` The answer: ${q.choices[q.answer][0]} ${q.choices[q.answer][1].replace(/^Right\.\s*/, "")}`),
      );
      answers.push(choice);
      save();
      const next = el(
        "button",
        { type: "button", class: "primary", "data-action": "next" },
        answers.length < QUESTIONS.length ? "Next question" : "See your score",
      );
      next.addEventListener("click", () => showQuestion(true));
      buttons.replaceChildren(next);
      next.focus();
    });
    buttons.replaceChildren(check);
    if (moveFocus) card.querySelector("input")?.focus();
  }

  function showScore(moveFocus = false) {
    const total = score();
    progress.textContent = "Finished";
    const verdict =
      total === QUESTIONS.length
        ? "Every answer right."
        : total >= 3
          ? "Well done. Read the feedback on the ones you missed, then try the widgets again."
          : "Go back to the sections of the questions you missed and try their widgets, then take the quiz again.";
    card.replaceChildren(
      el("p", { class: "w-quiz-score", "data-readout": "score", tabindex: "-1" }, `You scored ${total} of ${QUESTIONS.length}.`),
      el("p", {}, verdict),
      el(
        "ol",
        { class: "w-quiz-review" },
        QUESTIONS.map((q, i) =>
          el("li", {}, `${q.topic}: ${answers[i] === q.answer ? "✓ right" : "✗ missed"}`),
        ),
      ),
    );
    feedback.textContent = "";
    const again = el("button", { type: "button", "data-action": "restart" }, "Start again");
    again.addEventListener("click", () => {
      answers = [];
      save();
      showQuestion(true);
    });
    buttons.replaceChildren(again);
    if (moveFocus) card.querySelector("[data-readout=score]").focus();
  }

  showQuestion();
}

/** A question's text as nodes: a string, or parts of which those starting with <math> are
 * MathML (this file's own markup, never the learner's) and the rest plain text. */
function questionText(text) {
  const parts = Array.isArray(text) ? text : [text];
  return parts.map((part) => {
    if (!part.startsWith("<math")) return document.createTextNode(part);
    const template = document.createElement("template");
    template.innerHTML = part;
    return template.content.firstElementChild;
  });
}
