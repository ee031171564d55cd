// Train a ResNet18 for a few steps on random data, from the package's public API (npm run build first).
import { createModel, Adam, F, randn, rand, tidy, noGrad, saveWeights, liveTensors } from 'hpaic';

const model = createModel('resnet18', { numClasses: 28, head: 'adaptive', dropoutP: 0.5 });
const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
const x = randn([8, 3, 128, 128]);
const y = rand([8, 28]).gt(0.8).to('float32');
for (let step = 1; step <= 5; step++) {
  const loss = tidy(() => {
    optimizer.zeroGrad();
    const l = F.binaryCrossEntropyWithLogits(model.forward(x), y);
    l.backward();
    optimizer.step();
    return l.item();
  });
  console.log(`step ${step} loss ${loss.toFixed(4)} live tensors ${liveTensors()}`);
}
model.eval();
const logits = noGrad(() => tidy(() => model.forward(x)));
console.log('logits', logits.shape);
await saveWeights(model, 'resnet18-demo.pth'); // torch.load(..., weights_only=True) in Python
