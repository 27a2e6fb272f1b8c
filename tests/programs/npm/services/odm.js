// mongoose (no database needed to define models): a model compiled per request under a name of
// its own (a per-tenant collection name), which mongoose keeps in its registry of models for
// good; the control compiles its model once and makes a document per request.
'use strict';
const mongoose = require('mongoose');
const { run, steps } = require('../../suspects/harness');

let n = 0;
const fields = () => ({ name: String, email: String, plan: String, createdAt: Date });

run({
  'mongoose-model-per-request': () => {
    const tenants = { served: 0 };
    globalThis.tenants = tenants;
    const handle = () => {
      const Customer = mongoose.model(`Customer_${n++}`, new mongoose.Schema(fields()));
      tenants.served += Customer.modelName.length;
    };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) handle(); }, [10, 200, 200]) };
  },
  'mongoose-control': () => {
    const tenants = { served: 0 };
    globalThis.tenants = tenants;
    const Customer = mongoose.model('Customer', new mongoose.Schema(fields()));
    const handle = () => {
      const doc = new Customer({ name: `c${n}`, email: `c${n++}@example.com`, plan: 'pro', createdAt: new Date() });
      tenants.served += doc.validateSync() ? 0 : 1;
    };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) handle(); }, [10, 200, 200]) };
  },
});
