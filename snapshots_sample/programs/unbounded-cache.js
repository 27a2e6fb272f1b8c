// A user-profile cache that never evicts: every distinct user id seen stays in the Map.
'use strict';
const { phases } = require('./harness');

class UserProfile {
  constructor(id) {
    this.id = id;
    this.email = `user${id}@example.com`;
    this.preferences = { theme: id % 2 ? 'dark' : 'light', locale: 'en-' + (id % 5) };
    this.history = new Array(8).fill(0).map((_, i) => ({ at: id * 10 + i, page: '/p/' + i }));
  }
}

const userCache = new Map();
function getUser(id) {
  let user = userCache.get(id);
  if (!user) {
    user = new UserProfile(id);
    userCache.set(id, user); // never evicted
  }
  return user;
}
module.exports.getUser = getUser;
global.services = { profiles: { userCache, getUser } };

let nextUser = 0;
const traffic = (n) => () => { for (let i = 0; i < n; i++) getUser(nextUser++); };
phases('unbounded-cache', process.argv[2], [traffic(50), traffic(1500), traffic(1500)]);
