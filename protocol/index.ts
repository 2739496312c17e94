export * from './limits';
export * from './text-rules';
export * from './message-id';
export * from './group-name';
export * from './node-name';
export * from './article';
export * from './api';
export * from './peer-messages';
