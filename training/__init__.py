"""inspectd training: dilated SSIM denoising autoencoder, calibration, ONNX fp32/int8 export, model cards."""
