import { Network } from 'simdnet';
import { trainXor } from './train-xor.js';

console.log(JSON.stringify(await trainXor(Network)));
