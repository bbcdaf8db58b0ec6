/**
 * Piper's graphs compute the number of frames each input id lasts in exactly one `Ceil` node, but do not
 * return it. Adding that node's output to the graph outputs makes every inference also report durations, from
 * which the timestamps come (frames × hop_length samples per id).
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export type PatchResult =
  | { readonly model: Uint8Array; readonly alignmentOutput: string }
  | { readonly model: Uint8Array; readonly alignmentOutput: undefined; readonly reason: string };

export function patchAlignmentOutput(bytes: Uint8Array): PatchResult {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph) return { model: bytes, alignmentOutput: undefined, reason: 'the model has no graph' };
  const ceils = (graph.node ?? []).filter((node) => node.opType === 'Ceil');
  if (ceils.length !== 1) {
    return { model: bytes, alignmentOutput: undefined, reason: `the graph has ${ceils.length} Ceil nodes, not one` };
  }
  const name = ceils[0]!.output?.[0];
  if (!name) return { model: bytes, alignmentOutput: undefined, reason: 'the Ceil node has no output' };
  graph.output ??= [];
  if (graph.output.some((output) => output.name === name)) return { model: bytes, alignmentOutput: name };
  graph.output.push(
    onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } }),
  );
  return { model: onnx.ModelProto.encode(model).finish(), alignmentOutput: name };
}
