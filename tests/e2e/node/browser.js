// The web client cl-jabberd serves (Converse.js), in Debian's Chromium, headless, driven by
// puppeteer-core (no browser of its own is downloaded), for tests/e2e/test_browser.py.
// Environment (secrets never on argv): WEB_URL (https://127.0.0.1:<http_port>/), WEB_CERT
// (the server's PEM certificate: the only one trusted besides the system's), XMPP_USER,
// XMPP_PASSWORD, XMPP_GROUP and XMPP_MEMBERS (the shared group and its members' bare JIDs,
// comma-separated), XMPP_PEER (a member logged in elsewhere who answers), UPLOAD_FILE (a
// picture to send with the file button), ARTIFACTS (where the screenshots go), CHROMIUM
// (default /usr/bin/chromium).
// The scenario is a list of steps run in order on one page. Prints one JSON line {steps, screenshots, ...} or {error, ...};
// exits 1 on failure, after a screenshot of the page as it was.
import { X509Certificate, createHash } from "node:crypto";
import { readFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import puppeteer from "puppeteer-core";

const env = process.env;
const members = env.XMPP_MEMBERS.split(",");
const sent = "hello from the browser";
const expectedReply = "hello from slixmpp";
const result = { steps: [], screenshots: [], problems: [] };

// Chromium trusts the test's self-signed certificate by its key alone (SPKI pin), rather
// than --ignore-certificate-errors: any other certificate error still fails the load.
function spkiPin(pemFile) {
  const key = new X509Certificate(readFileSync(pemFile)).publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(key).digest("base64");
}

async function screenshot(page, name) {
  mkdirSync(env.ARTIFACTS, { recursive: true });
  const path = join(env.ARTIFACTS, name);
  await page.screenshot({ path, fullPage: true });
  result.screenshots.push(path);
  return path;
}

// The login form of Converse.js's control box: the JID and the password, then Log in.
async function login(page) {
  await page.goto(env.WEB_URL, { waitUntil: "networkidle0" });
  const jid = await page.waitForSelector('form.converse-form input[name="jid"]', { visible: true });
  await jid.type(env.XMPP_USER);
  await page.type('form.converse-form input[name="password"]', env.XMPP_PASSWORD);
  await page.click('form.converse-form button[type="submit"]');
  await page.waitForSelector("converse-roster", { visible: true });
  return { logged_in: env.XMPP_USER };
}

// The directory group is a roster group with every member but oneself in it.
async function roster(page) {
  const group = `.roster-group[data-group="${env.XMPP_GROUP}"]`;
  const wanted = members.filter((m) => m !== env.XMPP_USER.split("/")[0]).sort();
  await page.waitForFunction(
    (group, count) => document.querySelectorAll(`${group} a.open-chat[data-jid]`).length >= count,
    {}, group, wanted.length);
  const shown = await page.$$eval(`${group} a.open-chat[data-jid]`, (links) =>
    links.map((a) => a.getAttribute("data-jid")).sort());
  if (JSON.stringify(shown) !== JSON.stringify(wanted))
    throw new Error(`group ${env.XMPP_GROUP} shows ${shown}, expected ${wanted}`);
  // The peer is online (slixmpp): its presence reaches the page.
  await page.waitForSelector(`${group} a.open-chat[data-jid="${env.XMPP_PEER}"] .contact-name--online`, { timeout: 15000 });
  await screenshot(page, "webclient-roster.png");
  return { group: env.XMPP_GROUP, members: shown };
}

// A chat with the peer: our message goes out, the peer's answer is shown.
async function chat(page) {
  await page.click(`.roster-group[data-group="${env.XMPP_GROUP}"] a.open-chat[data-jid="${env.XMPP_PEER}"]`);
  const box = `converse-chat[jid="${env.XMPP_PEER}"]`;
  const textarea = await page.waitForSelector(`${box} textarea.chat-textarea`, { visible: true });
  await textarea.type(sent);
  await page.keyboard.press("Enter");
  await page.waitForFunction(
    (box, text) => [...document.querySelectorAll(`${box} .chat-msg__text`)].some((m) => m.textContent.includes(text)),
    { timeout: 20000 }, box, expectedReply);
  await screenshot(page, "webclient-chat.png");
  const texts = await page.$$eval(`${box} .chat-msg__text`, (ms) => ms.map((m) => m.textContent.trim()));
  return { sent, shown: texts };
}

// A picture sent with the chat's file button (XEP-0363): Converse asks the server for a slot,
// PUTs the file and sends its URL; the page shows the picture from that URL.
async function upload(page) {
  const box = `converse-chat[jid="${env.XMPP_PEER}"]`;
  const input = await page.waitForSelector(`${box} input.fileupload`, { timeout: 15000 });
  await input.uploadFile(env.UPLOAD_FILE);
  const shown = await page.waitForFunction(
    (box) => [...document.querySelectorAll(`${box} img`)].map((i) => i.src).find((src) => src.includes("/upload/")),
    { timeout: 20000 }, box);
  const url = await shown.jsonValue();
  await page.waitForFunction((url) => [...document.images].some((i) => i.src === url && i.complete && i.naturalWidth > 0),
    { timeout: 10000 }, url);
  await screenshot(page, "webclient-upload.png");
  return { url };
}

const steps = [login, roster, chat, upload];

const browser = await puppeteer.launch({
  executablePath: env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  // As root (CI runs as root) Chromium refuses to start with its sandbox; as anyone else it keeps it.
  args: [...(process.getuid() === 0 ? ["--no-sandbox"] : []),
         `--ignore-certificate-errors-spki-list=${spkiPin(env.WEB_CERT)}`, "--lang=en-US"],
});
let page;
const timer = setTimeout(() => finish({ error: "timed out" }, 1), 120000);
async function finish(extra, code) {
  clearTimeout(timer);
  if (code !== 0 && page) await screenshot(page, "webclient-failure.png").catch(() => {});
  process.stdout.write(JSON.stringify({ ...result, ...extra }) + "\n");
  await browser.close().catch(() => {});
  process.exit(code);
}

try {
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  // What the page could not load or was refused (the Content-Security-Policy, a 404) is a
  // defect of the served client: the test reports it and fails.
  const origin = new URL(env.WEB_URL).origin;
  page.on("console", (m) => {
    if (m.type() === "error") result.problems.push("console: " + m.text());
  });
  page.on("pageerror", (e) => result.problems.push("page error: " + e.message));
  page.on("response", (r) => {
    if (r.url().startsWith(origin) && r.status() >= 400) result.problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  page.on("requestfailed", (r) => result.problems.push(`failed ${r.url()}: ${r.failure()?.errorText}`));
  for (const step of steps) {
    const outcome = await step(page);
    result.steps.push({ step: step.name, ...outcome });
  }
  await finish({}, result.problems.length ? 1 : 0);
} catch (e) {
  await finish({ error: String(e && e.stack ? e.stack : e) }, 1);
}
