// xmpp.js 0.14 declares Node 20, Debian 12 ships Node 18: the two things it uses that Node 18
// lacks, supplied from Node 18's own library. Imported before xmpp.js.
import { webcrypto } from "node:crypto";

// Node 18 has WebCrypto only as require("crypto").webcrypto, not as the global (Node 19+).
if (!globalThis.crypto) globalThis.crypto = webcrypto;
// Array.prototype.toSorted is ES2023 (Node 20): the resolver sorts SRV records with it.
if (!Array.prototype.toSorted) {
  Object.defineProperty(Array.prototype, "toSorted", {
    value(compare) {
      return [...this].sort(compare);
    },
    writable: true,
    configurable: true,
  });
}
