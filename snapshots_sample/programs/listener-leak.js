// Every websocket-like session subscribes to a shared bus and never unsubscribes; each listener
// closes over the session's state.
'use strict';
const EventEmitter = require('events');
const { phases } = require('./harness');

const bus = new EventEmitter();
bus.setMaxListeners(0);
global.realtime = { bus };

function openSession(userId) {
  const state = { userId, unread: new Array(20).fill(userId), lastSeen: Date.now() };
  bus.on('price-update', function onPrice(update) { state.lastSeen = update.at; });
  return state;
}

let u = 0;
const sessions = (n) => () => { for (let i = 0; i < n; i++) openSession(u++); };
phases('listener-leak', process.argv[2], [sessions(20), sessions(800), sessions(800)]);
