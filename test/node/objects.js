// HubSpot's official Node client (@hubspot/api-client, unchanged) against the emulator's other
// objects, custom object, schemas, properties and v4 associations; called by check.js.
'use strict';

const { ApiException } = require('@hubspot/api-client/lib/codegen/crm/contacts');

async function thrownBy(fn) {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  return null;
}

module.exports = async function objectChecks(client, check, assert, control) {
  const crm = client.crm;
  const ids = {};

  await check('objects: reset the emulator', async () => {
    await control('POST', '/_emulator/reset');
  });

  await check('crm.contacts basicApi.create and getById (email stored lower-case)', async () => {
    const c = await crm.contacts.basicApi.create({ properties: { email: 'Ada@Example.com', firstname: 'Ada' }, associations: [] });
    assert(c.properties.email === 'ada@example.com', `email ${c.properties.email}`);
    const got = await crm.contacts.basicApi.getById(c.id, ['email', 'firstname']);
    assert(got.properties.firstname === 'Ada', `firstname ${got.properties.firstname}`);
    const byEmail = await crm.contacts.basicApi.getById('ADA@example.com', ['email'], undefined, undefined, false, 'email');
    assert(byEmail.id === c.id, `by email ${byEmail.id}`);
    ids.contact = c.id;
  });

  await check('crm.contacts create with a taken email throws 409 CONFLICT "Existing ID"', async () => {
    const e = await thrownBy(() => crm.contacts.basicApi.create({ properties: { email: 'ada@example.com' }, associations: [] }));
    assert(e instanceof ApiException, `not an ApiException: ${e}`);
    assert(e.code === 409 && e.body.category === 'CONFLICT', `code ${e.code} ${JSON.stringify(e.body)}`);
    assert(e.body.message === `Contact already exists. Existing ID: ${ids.contact}`, e.body.message);
  });

  await check('crm.contacts batchApi.create and batchApi.upsert by email', async () => {
    const res = await crm.contacts.batchApi.create({ inputs: [
      { properties: { email: 'b@example.com' }, associations: [] },
      { properties: { email: 'c@example.com' }, associations: [] }] });
    assert(res.results.length === 2, `${res.results.length} created`);
    const up = await crm.contacts.batchApi.upsert({ inputs: [
      { id: 'b@example.com', idProperty: 'email', properties: { firstname: 'Bea' } },
      { id: 'd@example.com', idProperty: 'email', properties: { firstname: 'Dee' } }] });
    const news = up.results.map((r) => `${r.properties.email}:${r._new === undefined ? r['new'] : r._new}`).sort();
    assert(JSON.stringify(news) === '["b@example.com:false","d@example.com:true"]', `upsert ${JSON.stringify(news)}`);
  });

  await check('crm.deals basicApi.create (pipeline defaults) and a missing dealstage throws 400', async () => {
    const d = await crm.deals.basicApi.create({ properties: { dealname: 'Node deal', dealstage: 'qualifiedtobuy', amount: '10' }, associations: [] });
    assert(d.properties.pipeline === 'default', `pipeline ${d.properties.pipeline}`);
    ids.deal = d.id;
    const e = await thrownBy(() => crm.deals.basicApi.create({ properties: { dealname: 'x' }, associations: [] }));
    assert(e && e.code === 400 && JSON.stringify(e.body.context.properties) === '["dealstage"]', `error ${e && JSON.stringify(e.body)}`);
  });

  await check('crm.objects for the custom object pets (p_pets, 2-90001)', async () => {
    const p = await crm.objects.basicApi.create('p_pets', { properties: { name: 'Rex', species: 'dog', weight: '12.5' }, associations: [] });
    const got = await crm.objects.basicApi.getById('2-90001', p.id, ['name', 'species']);
    assert(got.properties.species === 'dog', `species ${got.properties.species}`);
    ids.pet = p.id;
  });

  await check('crm.schemas.coreApi.getAll lists pets', async () => {
    const res = await crm.schemas.coreApi.getAll();
    assert(res.results.length === 1, `${res.results.length} schemas`);
    const s = res.results[0];
    assert(s.objectTypeId === '2-90001' && s.fullyQualifiedName === 'p62515000_pets' && s.name === 'pets',
      `schema ${s.objectTypeId} ${s.fullyQualifiedName} ${s.name}`);
  });

  await check('crm.properties.coreApi.getAll("contacts") has about 400 properties', async () => {
    const res = await crm.properties.coreApi.getAll('contacts');
    assert(res.results.length >= 400, `${res.results.length} properties`);
    assert(res.results.some((p) => p.name === 'email'), 'no email');
  });

  const v4 = crm.associations.v4;
  await check('associations.v4 basicApi.create with a label, and the inverse', async () => {
    const res = await v4.basicApi.create('deals', ids.deal, 'contacts', ids.contact,
      [{ associationCategory: 'USER_DEFINED', associationTypeId: 1 }]);
    assert(JSON.stringify(res.labels) === '["Decision maker"]', `labels ${JSON.stringify(res.labels)}`);
    const back = await v4.basicApi.getPage('contacts', ids.contact, 'deals');
    const types = back.results[0].associationTypes.map((t) => t.typeId).sort((x, y) => x - y);
    assert(JSON.stringify(types) === '[2,4]', `inverse types ${JSON.stringify(types)}`);
  });

  await check('associations.v4 batchApi.create / getPage / archive', async () => {
    const li = await crm.lineItems.basicApi.create({ properties: { name: 'Line', quantity: '2', price: '3' }, associations: [] });
    const created = await v4.batchApi.create('line_items', 'deals', { inputs: [
      { _from: { id: li.id }, to: { id: ids.deal }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 20 }] }] });
    assert(created.results.length === 1 && String(created.results[0].toObjectId) === ids.deal, `created ${JSON.stringify(created.results)}`);
    const page = await v4.batchApi.getPage('deals', 'line_items', { inputs: [{ id: ids.deal }] });
    assert(page.results.length === 1 && String(page.results[0].to[0].toObjectId) === li.id, `read ${JSON.stringify(page.results)}`);
    await v4.batchApi.archive('deals', 'line_items', { inputs: [{ _from: { id: ids.deal }, to: [{ id: li.id }] }] });
    const after = await v4.batchApi.getPage('deals', 'line_items', { inputs: [{ id: ids.deal }] });
    assert(after.results.length === 0 && after.errors[0].subCategory === 'crm.associations.NO_ASSOCIATIONS_FOUND',
      `after archive ${JSON.stringify(after)}`);
  });

  await check('associations.v4 basicApi.createDefault answers both directions', async () => {
    const res = await v4.basicApi.createDefault('p_pets', ids.pet, 'contacts', ids.contact);
    assert(res.results.length === 2, `${res.results.length} results`);
    const typeIds = res.results.map((r) => r.associationSpec.associationTypeId).sort();
    assert(JSON.stringify(typeIds) === '[90101,90102]', `types ${JSON.stringify(typeIds)}`);
  });

  await check('associations.v4 with a type id of another pair throws 400', async () => {
    const e = await thrownBy(() => v4.basicApi.create('deals', ids.deal, 'contacts', ids.contact,
      [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 4 }]));
    assert(e && e.code === 400 && /invalid from object type 0-3/.test(e.body.message), `error ${e && JSON.stringify(e.body)}`);
  });

  await check('request log counts the v4 batch requests', async () => {
    const log = (await control('GET', '/_emulator/requests')).requests;
    const v4batch = log.filter((r) => r.path.startsWith('/crm/v4/associations/') && r.path.includes('/batch/'));
    assert(v4batch.length === 4, `${v4batch.length} v4 batch requests`);
  });
};
