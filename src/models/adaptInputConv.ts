/**
 * Adapting a pretrained first convolution to another number of input channels, with timm's rule
 * (`timm.models.helpers.adapt_input_conv`):
 * - 1 channel: the sum of the RGB filters;
 * - 3 channels: unchanged;
 * - any other count (RGBY = 4): the RGB filters repeated cyclically (R, G, B, R, …) up to `inChannels`,
 *   scaled by 3 / inChannels so that an input whose channels are all equal gives the same response as before.
 * For HPA's RGBY input this gives the yellow channel the red filter, all four scaled by 3/4.
 *
 * `copy_first` is bestfitting's rule (1st place, `torch.cat((w, w[:, :1]), dim=1)`): the RGB filters stay as
 * they are and every extra channel gets a copy of the first (red) filter, unscaled; fewer than 3 channels keep
 * the first filters.
 */
import type { Tensor } from '../tensor/Tensor.js';
import { cat } from '../tensor/creation.js';
import { noGrad } from '../tensor/scope.js';
import { ConfigError } from '../errors.js';

/** The rule in one sentence, for logs and saved metadata. */
export const ADAPT_INPUT_CONV_RULE = "timm adapt_input_conv: 1 channel = sum of the RGB filters; otherwise the RGB filters repeated cyclically (R,G,B,R,...) and scaled by 3/in_channels";
export const COPY_FIRST_RULE = 'copy_first (bestfitting): RGB filters unchanged, each extra channel a copy of the first (red) filter, unscaled';

/** config `model.first_conv_rule`: how a 3-channel pretrained first convolution becomes an in_channels one. */
export type FirstConvRule = 'timm' | 'copy_first';

/** The one-sentence description of `rule`. */
export const firstConvRuleText = (rule: FirstConvRule): string => (rule === 'copy_first' ? COPY_FIRST_RULE : ADAPT_INPUT_CONV_RULE);

/**
 * A new float32 weight (out, inChannels, kh, kw) adapted from `weight` (out, 3, kh, kw) by `rule` (default timm's).
 * @throws ConfigError when `weight` is not a 4-D 3-channel convolution weight or inChannels < 1.
 */
export function adaptInputConv(weight: Tensor, inChannels: number, rule: FirstConvRule = 'timm'): Tensor {
  if (weight.ndim !== 4 || weight.shape[1] !== 3) throw new ConfigError(`adaptInputConv expects a (out, 3, kh, kw) weight but received [${weight.shape.join(', ')}]`);
  if (!Number.isInteger(inChannels) || inChannels < 1) throw new ConfigError(`inChannels must be a positive integer but received ${inChannels}`);
  return noGrad(() => {
    const w = weight.to('float32');
    try {
      if (inChannels === 3) return w.clone();
      if (rule === 'copy_first') {
        if (inChannels < 3) return w.narrow(1, 0, inChannels).clone();
        const first = w.narrow(1, 0, 1);
        const out = cat([w, ...Array.from({ length: inChannels - 3 }, () => first)], 1);
        first.dispose();
        return out;
      }
      if (inChannels === 1) return w.sum(1, true);
      const repeated = cat(Array.from({ length: Math.ceil(inChannels / 3) }, () => w), 1);
      const narrowed = repeated.narrow(1, 0, inChannels);
      const out = narrowed.mul(3 / inChannels);
      narrowed.dispose();
      repeated.dispose();
      return out;
    } finally {
      w.dispose();
    }
  });
}
