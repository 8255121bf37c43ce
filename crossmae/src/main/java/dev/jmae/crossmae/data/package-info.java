/**
 * The input pipeline: datasets, torchvision-style transforms on 8-bit images, and a
 * deterministic prefetching loader (docs/model.md §2).
 *
 * <ul>
 *   <li>{@link dev.jmae.crossmae.data.Image}: an 8-bit planar [C, H, W] image (a PIL image's role).</li>
 *   <li>{@link dev.jmae.crossmae.data.ImageDataset}, {@link dev.jmae.crossmae.data.Split},
 *       {@link dev.jmae.crossmae.data.DatasetException}: the dataset contract.</li>
 *   <li>{@link dev.jmae.crossmae.data.IdxDataset} (MNIST/Fashion-MNIST IDX),
 *       {@link dev.jmae.crossmae.data.ImageFolderDataset} (torchvision ImageFolder; decoding in
 *       {@code ImageDecoding}), {@link dev.jmae.crossmae.data.Cifar10Dataset} (binary batches).</li>
 *   <li>{@link dev.jmae.crossmae.data.Datasets}: resolves {@code --data}/{@code dataset} to a
 *       dataset, with the Fashion-MNIST defaults.</li>
 *   <li>{@link dev.jmae.crossmae.data.Transform}, {@link dev.jmae.crossmae.data.Compose}:
 *       transforms and pipelines; {@link dev.jmae.crossmae.data.RandomResizedCrop},
 *       {@link dev.jmae.crossmae.data.Resize}, {@link dev.jmae.crossmae.data.CenterCrop},
 *       {@link dev.jmae.crossmae.data.RandomHorizontalFlip},
 *       {@link dev.jmae.crossmae.data.ConvertChannels}; {@link dev.jmae.crossmae.data.Resample}
 *       is PIL's bicubic resize, pixel-exact.</li>
 *   <li>{@link dev.jmae.crossmae.data.ToTensor}, {@link dev.jmae.crossmae.data.Normalize}: to
 *       float32; {@link dev.jmae.crossmae.data.Transforms}: the pretraining and evaluation pipelines.</li>
 *   <li>Fine-tuning (timm semantics): {@link dev.jmae.crossmae.data.RandAugment} over the Pillow-exact
 *       ops of {@link dev.jmae.crossmae.data.ImageOps}, {@link dev.jmae.crossmae.data.ImageEnhance} and
 *       {@link dev.jmae.crossmae.data.Geometry}; {@link dev.jmae.crossmae.data.RandomErasing} on the
 *       normalized tensor; {@link dev.jmae.crossmae.data.Mixup} (Mixup/CutMix with label smoothing) on
 *       batches; {@link dev.jmae.crossmae.data.FinetuneTransforms}: the official train and eval pipelines;
 *       {@link dev.jmae.crossmae.data.TfRandomResizedCrop}: the linear probe's crop (util/crop.py);
 *       {@link dev.jmae.crossmae.data.TensorTransform}: a loader stage after Normalize (random erasing).</li>
 *   <li>{@link dev.jmae.crossmae.data.DataLoader}, {@link dev.jmae.crossmae.data.Batch}: seeded,
 *       resumable batches, bit-identical for any number of workers.</li>
 *   <li>{@link dev.jmae.crossmae.data.Sampler}: which indices a loader visits per epoch;
 *       {@link dev.jmae.crossmae.data.DistributedSampler}: one rank's shard of each epoch's order
 *       (torch's DistributedSampler), for data-parallel training.</li>
 * </ul>
 */
package dev.jmae.crossmae.data;
