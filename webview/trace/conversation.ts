import type { ChatMessage } from '../../src/traces/core/protocol';
import { element } from '../shared/dom';

/**
 * Chat messages drawn as a conversation: one bubble per message with its role, its text, its tool calls
 * and what a tool message answers. Shared by the trace panel (a chat span) and the session conversation
 * (each turn). Every string is set as text.
 */
export function conversation(messages: ChatMessage[], copy: (text: string) => void): HTMLElement {
  const list = element('div', { className: 'chat' });
  for (const message of messages) {
    const copyButton = element('button', { className: 'link copy-message', text: 'Copy', attributes: { 'aria-label': `Copy ${message.role} message` } });
    copyButton.addEventListener('click', () => copy(message.content));
    const bubble = element(
      'div',
      { className: `message role-${/^[a-z_]+$/.test(message.role) ? message.role : 'other'}` },
      element('div', { className: 'message-head' }, element('div', { className: 'role', text: message.name ? `${message.role} (${message.name})` : message.role }), copyButton),
    );
    if (message.content) bubble.append(element('div', { className: 'content', text: message.content }));
    for (const call of message.toolCalls ?? []) {
      bubble.append(element('div', { className: 'tool-call' }, element('span', { className: 'key', text: `→ ${call.name}` }), element('code', { text: call.arguments })));
    }
    if (message.toolCallId) bubble.append(element('div', { className: 'notice', text: `result of ${message.toolCallId}` }));
    list.append(bubble);
  }
  return list;
}
