// skiff set image ...: changes to a field of existing objects.

import { Command } from 'commander';
import { setImageCommand } from './image.js';

export function setCommand(): Command {
  return new Command('set').description('Set specific features on objects (image)').addCommand(setImageCommand());
}
