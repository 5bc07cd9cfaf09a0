// Model code needs one import: tensors, ops and losses (mseLoss, l1Loss) come with it.
@_exported import Autodiff
