// Renders Adaptive Cards (a JSON list on stdin) with Microsoft's renderer, the adaptivecards
// package, in a jsdom document, and prints what a person sees: for each card the lines of text
// from top to bottom, as {"cards": [{"lines": [...], "problems": [...]}]}.
//
// Markdown is processed like Teams does it: TextBlock text goes through markdown-it with HTML
// allowed, so a tag in the text is taken as HTML (Teams and the Microsoft 365 Agents Playground
// drop tags they do not know), and a single line break inside a paragraph is a space.
const fs = require("fs");
const { JSDOM } = require("jsdom");

const dom = new JSDOM("<!DOCTYPE html><body></body>", { url: "https://teams.invalid/" });
globalThis.window = dom.window;
for (const name of Object.getOwnPropertyNames(dom.window)) {
  if (!(name in globalThis)) globalThis[name] = dom.window[name];
}
// jsdom has no layout, so no innerText; the renderer sets button and label text through it.
Object.defineProperty(dom.window.HTMLElement.prototype, "innerText", {
  get() { return this.textContent; },
  set(value) { this.textContent = value; },
});

const AdaptiveCards = require("adaptivecards/dist/adaptivecards.js");
const markdown = require("markdown-it")({ html: true });

AdaptiveCards.AdaptiveCard.onProcessMarkdown = (text, result) => {
  result.outputHtml = markdown.render(text);
  result.didProcess = true;
};

const BLOCKS = new Set(["DIV", "P", "LI", "UL", "OL", "TABLE", "TR", "LABEL", "BUTTON", "PRE",
  "BLOCKQUOTE", "H1", "H2", "H3", "H4", "H5", "H6", "HR", "INPUT", "TEXTAREA", "SELECT"]);
const BOLD = new Set(["STRONG", "B"]);
const UNSEEN = new Set(["TITLE", "SCRIPT", "STYLE", "TEMPLATE", "HEAD", "NOSCRIPT"]);

// The lines a person reads: blocks start new lines, a fact set's row is one line, inputs show
// their value or placeholder in brackets, bold (strong) text is marked **so**, whitespace
// collapses as in a browser.
function linesOf(root) {
  const lines = [""];
  const newLine = () => { if (lines[lines.length - 1].trim()) lines.push(""); };
  const walk = (node, inRow) => {
    if (node.nodeType === node.TEXT_NODE) {
      lines[lines.length - 1] += node.data;
      return;
    }
    if (node.nodeType !== node.ELEMENT_NODE || UNSEEN.has(node.tagName) ||
        node.hidden || node.style.display === "none") {
      return;
    }
    const block = !inRow && BLOCKS.has(node.tagName);
    if (block) newLine();
    if (node.tagName === "BR") {
      lines.push("");
    } else if (node.tagName === "INPUT" || node.tagName === "TEXTAREA") {
      lines[lines.length - 1] += `[${node.value || node.placeholder}]`;
    } else if (node.tagName === "SELECT") {
      lines[lines.length - 1] += `[${node.options[node.selectedIndex]?.text ?? ""}]`;
    } else {
      const mark = BOLD.has(node.tagName) ? "**" : node.tagName === "TD" ? " " : "";
      lines[lines.length - 1] += mark;
      for (const child of node.childNodes) walk(child, inRow || node.tagName === "TR");
      lines[lines.length - 1] += mark;
    }
    if (block) newLine();
  };
  walk(root, false);
  return lines.map((line) => line.replace(/\s+/g, " ").trim()).filter(Boolean);
}

function render(payload) {
  const card = new AdaptiveCards.AdaptiveCard();
  const context = new AdaptiveCards.SerializationContext();
  card.parse(payload, context);
  const problems = [];
  for (let n = 0; n < context.eventCount; n++) problems.push(context.getEventAt(n).message);
  for (const event of card.validateProperties().validationEvents) problems.push(event.message);
  const element = card.render();
  return { lines: element ? linesOf(element) : [], problems };
}

const cards = JSON.parse(fs.readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify({ cards: cards.map(render) }));
